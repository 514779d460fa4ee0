namespace ScriptedSip.Sdk.Plugins;

/// <summary>
/// A periodic timer that sleeps while it has nothing to do, so an idle server is not woken: after
/// each tick <c>hasWork</c> decides whether another tick is needed; code that creates work calls
/// <see cref="Wake"/> after the work is visible (a binding stored, an item with an expiry set).
/// <para>
/// No wake-up is lost: the timer publishes that it sleeps and then asks <c>hasWork</c> once more,
/// <see cref="Wake"/> fences between the caller's work and its look at the flag — so either the
/// timer sees the work or the caller sees the flag. While awake it is a periodic timer whose ticks
/// never overlap (a tick longer than the period skips the ticks that come due meanwhile).
/// </para>
/// </summary>
public sealed class IdleTimer : IDisposable
{
    private readonly ITimer _timer;
    private readonly TimeSpan _period;
    private readonly Action _tick;
    private readonly Func<bool> _hasWork;
    private readonly Lock _lock = new();
    private int _asleep;
    private int _running;
    private bool _disposed;

    /// <summary>Starts ticking every <paramref name="period"/> (the first tick after one period).</summary>
    public IdleTimer(TimeProvider time, TimeSpan period, Action tick, Func<bool> hasWork)
    {
        ArgumentNullException.ThrowIfNull(time);
        _period = period;
        _tick = tick;
        _hasWork = hasWork;
        _timer = time.CreateTimer(static s => ((IdleTimer)s!).Fire(), this, period, period);
    }

    /// <summary>True while the timer waits for <see cref="Wake"/>.</summary>
    public bool Asleep => Volatile.Read(ref _asleep) == 1;

    /// <summary>There is work: tick again within one period (nothing when the timer is awake). May be called under the caller's own locks.</summary>
    public void Wake()
    {
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _asleep) == 1 && Interlocked.Exchange(ref _asleep, 0) == 1)
        {
            Arm();
        }
    }

    /// <summary>Stops the timer for good; a tick running now finishes.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _timer.Dispose();
        }
    }

    // Ticks never overlap (a tick longer than the period skips the ones that come due meanwhile), so
    // only one Rearm runs at a time. A tick's exception goes to the timer's TimeProvider (a plugin
    // context's clock logs it); the timer is re-armed first, so the next tick may succeed.
    private void Fire()
    {
        if (Interlocked.Exchange(ref _running, 1) == 1)
        {
            return;
        }

        try
        {
            _tick();
        }
        finally
        {
            Rearm();
            Volatile.Write(ref _running, 0);
        }
    }

    // hasWork runs outside any lock of ours (it may take the owner's locks, under which Wake may be
    // called). The timer is stopped only under the lock and only while the flag still says asleep:
    // a Wake that turned it back arms the timer under the same lock, before or after, never lost.
    private void Rearm()
    {
        if (_hasWork())
        {
            return;
        }

        Volatile.Write(ref _asleep, 1);
        Interlocked.MemoryBarrier();
        if (_hasWork())
        {
            // Stays awake: take the flag back and arm (again: harmless if nothing stopped the timer);
            // a Wake that took it first has armed the timer itself.
            if (Interlocked.Exchange(ref _asleep, 0) == 1)
            {
                Arm();
            }

            return;
        }

        lock (_lock)
        {
            if (Volatile.Read(ref _asleep) == 1 && !_disposed)
            {
                _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void Arm()
    {
        lock (_lock)
        {
            if (!_disposed)
            {
                _timer.Change(_period, _period);
            }
        }
    }
}
