using ScriptedSip.Core.Scheduling;

namespace ScriptedSip.Core.Timers;

/// <summary>
/// The wheel's tick on its own thread, for the real clock. A thread-pool timer would wake a pool
/// worker 100 times a second, and an idle pool worker spins (sched_yield) before it sleeps: under
/// load that spinning cost more CPU than the SIP messages. A sleeping thread costs nothing between
/// ticks, and while no timer is pending the thread does not tick at all: it parks until
/// <see cref="Wake"/> (an idle server uses no CPU).
/// After each tick the thread runs <see cref="AfterTick"/> — the route turns the tick's callbacks
/// posted, inline when their worker is idle (no wake-up of a sleeping worker per resume). Should such a
/// turn block, <see cref="HandoffThreads"/> moves the ticking to a new thread, so the timers go on.
/// Tests use a fake <see cref="TimeProvider"/> and its timers instead.
/// </summary>
internal sealed class DedicatedTicker : ITimer
{
    [ThreadStatic]
    private static bool t_isTickerThread;

    private readonly HandoffThreads _threads;
    private readonly TimeSpan _period;
    private readonly Action _tick;
    private readonly Func<bool> _hasWork;
    private readonly ManualResetEventSlim _stop = new(false, spinCount: 0);
    private readonly ManualResetEventSlim _wake = new(false, spinCount: 0);
    private int _parked;

    /// <param name="tick">Runs once per period while <paramref name="hasWork"/> is true.</param>
    /// <param name="hasWork">False when a tick would find nothing to do; the thread parks then.</param>
    public DedicatedTicker(Action tick, Func<bool> hasWork, TimeSpan period, string name)
    {
        _tick = tick;
        _hasWork = hasWork;
        _period = period;
        _threads = new HandoffThreads(Run, name, isTicker: true);
        _threads.Start();
    }

    /// <summary>True on a ticker thread (work posted from a timer callback can be collected for <see cref="AfterTick"/>).</summary>
    public static bool IsTickerThread => t_isTickerThread;

    /// <summary>
    /// Runs on the ticker thread after every tick and before it parks: the inline turns. It gets the
    /// thread's guard: mark each turn with Begin/End and stop when the guard is no longer current.
    /// </summary>
    public Action<IInlineGuard>? AfterTick { get; set; }

    /// <summary>Times the thread parked because nothing was pending (observable in tests).</summary>
    public int Parks { get; private set; }

    /// <summary>Times ticking moved to a new thread because a turn run after a tick overran its budget.</summary>
    public int Handoffs => _threads.Handoffs;

    /// <summary>
    /// Tells a parked ticker that work arrived. Callers make the work visible (<c>hasWork</c> true)
    /// before calling; the full fence here pairs with the one in <see cref="Run"/>, so either the
    /// ticker sees the work before parking or this call sees it parked and wakes it.
    /// </summary>
    public void Wake()
    {
        if (Interlocked.CompareExchange(ref _parked, 0, 0) == 1)
        {
            _wake.Set();
        }
    }

    public bool Change(TimeSpan dueTime, TimeSpan period) => throw new NotSupportedException("The wheel's ticker runs at a fixed period.");

    public void Dispose()
    {
        if (!_stop.IsSet)
        {
            _stop.Set();
            _wake.Set();
            if (!t_isTickerThread)
            {
                _threads.Stop(TimeSpan.FromSeconds(2));
                _threads.Dispose();
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private void Run(HandoffThreads.Receiver me)
    {
        t_isTickerThread = true;
        while (!_stop.IsSet && _threads.IsCurrent(me))
        {
            AfterTick?.Invoke(me); // also what a replaced thread left behind
            if (!_hasWork())
            {
                Interlocked.Exchange(ref _parked, 1);
                if (!_hasWork() && !_stop.IsSet)
                {
                    Parks++;
                    _wake.Wait();
                }

                Interlocked.Exchange(ref _parked, 0);
                _wake.Reset();
                continue;
            }

            if (_stop.Wait(_period))
            {
                return;
            }

            _tick();

            // Awake anyway: look at the other loops for the hand-off watch (and do its chores).
            HandoffWatch.LookFromTicker();
        }
    }
}
