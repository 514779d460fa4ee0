namespace ScriptedSip.Core.Timers;

/// <summary>
/// Hashed timing wheel for large numbers of short-lived timers (SIP transaction timers, fr timers,
/// suspend timeouts, async-route delays). One <see cref="ITimer"/> ticks the wheel; each pending timer
/// is a node in the list of the slot for its due tick, so schedule and cancel are O(1) and a tick
/// only looks at the slots that became due, never at every timer.
/// </summary>
/// <remarks>
/// Time comes only from the injected <see cref="TimeProvider"/> (its timestamp clock), so a fake
/// provider drives the wheel deterministically in tests. Timers more than one revolution ahead share
/// a slot with nearer ones; instead of a decrementing rounds counter each node keeps its absolute due
/// timestamp, which gives the same skip-until-your-round behaviour without mutating nodes on every
/// visit and lets a tick that runs very late sweep each slot once.
/// </remarks>
public sealed partial class TimerWheel : IDisposable
{
    // Beyond this a delay is "never" for all practical purposes; capping it keeps the timestamp
    // arithmetic free of overflow checks.
    private const long MaxDelayTimestamp = long.MaxValue / 4;

    private readonly Lock _gate = new();
    private readonly TimerHandle?[] _heads;
    private readonly long _origin;
    private readonly long _tickTimestamp;
    private readonly Action<Exception>? _onCallbackError;
    private readonly ITimer _timer;

    // The real clock's ticker parks while no timer is pending; Schedule wakes it (null with a fake clock).
    private DedicatedTicker? _ticker;

    // Every tick <= _processedTick has had its slot swept, so new timers must go to a later tick.
    private long _processedTick;
    private long _nextSequence;
    private int _pendingCount;
    private volatile bool _disposed;

    /// <param name="time">Clock and timer source; <see cref="TimeProvider.System"/> in production.</param>
    /// <param name="tick">Wheel resolution: callbacks run at most about one tick after they are due.</param>
    /// <param name="slots">Slots per revolution; more slots mean fewer far-future timers visited per tick.</param>
    /// <param name="onCallbackError">Receives exceptions thrown by callbacks; if null they are swallowed,
    /// because an exception escaping the timer thread would stop every other timer (or the process).</param>
    public TimerWheel(TimeProvider time, TimeSpan tick, int slots = 1024, Action<Exception>? onCallbackError = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(tick, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);

        Time = time;
        _onCallbackError = onCallbackError;
        _heads = new TimerHandle?[slots];
        _tickTimestamp = Math.Max(1, ToTimestamp(tick, time.TimestampFrequency));
        _origin = time.GetTimestamp();
        _timer = CreateTicker(tick);
    }

    /// <summary>Number of timers scheduled and neither fired nor cancelled.</summary>
    public int Pending => Volatile.Read(ref _pendingCount);

    public TimeProvider Time { get; }

    /// <summary>
    /// With the real clock: runs on the ticker thread after each tick (see <see cref="DedicatedTicker.AfterTick"/>);
    /// with a fake clock there is no ticker thread and it is never called.
    /// </summary>
    internal Action<Scheduling.IInlineGuard>? AfterTick
    {
        set
        {
            if (_ticker is { } ticker)
            {
                ticker.AfterTick = value;
            }
        }
    }

    /// <summary>Times ticking moved to a new thread because a turn run on the ticker overran its budget.</summary>
    internal int TickerHandoffs => _ticker?.Handoffs ?? 0;

    /// <summary>Times the real clock's ticker parked because no timer was pending (0 with a fake clock).</summary>
    internal int TickerParks => _ticker?.Parks ?? 0;

    /// <summary>
    /// Runs <paramref name="callback"/> once, at or after <paramref name="delay"/> (never early), at most
    /// about one tick late, on the wheel's timer thread and outside any lock. A delay &lt;= 0 fires on the next tick.
    /// </summary>
    public TimerHandle Schedule(TimeSpan delay, Action<object?> callback, object? state)
    {
        ArgumentNullException.ThrowIfNull(callback);

        // Read the clock before taking our lock: a provider may hold its own lock while it invokes our
        // tick (which takes ours), so calling into it under our lock could deadlock.
        long now = Time.GetTimestamp();
        long due = delay <= TimeSpan.Zero ? now : now + ToTimestamp(delay, Time.TimestampFrequency);
        var handle = new TimerHandle(this, callback, state, due);

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);

            // The first tick boundary at or after the due time; but never a tick already swept, or the
            // timer would sit in its slot until the wheel came round again.
            long tick = Math.Max(FirstTickAtOrAfter(due), _processedTick + 1);
            handle.Sequence = _nextSequence++;
            Link(handle, SlotOf(tick));
            _pendingCount++;
        }

        _ticker?.Wake();

        return handle;
    }

    /// <summary>
    /// True if the timer was still pending and now will not fire; false if it already fired (its callback
    /// may be running or about to run) or was cancelled before.
    /// </summary>
    public bool Cancel(TimerHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        if (!ReferenceEquals(handle.Owner, this))
        {
            throw new ArgumentException("The handle was scheduled on a different TimerWheel.", nameof(handle));
        }

        // Cancelling a timer that already fired is the common case (a transaction cleaning up); skip the lock.
        if (!handle.IsPending)
        {
            return false;
        }

        lock (_gate)
        {
            if (!handle.IsPending)
            {
                return false;
            }

            Unlink(handle);
            handle.Retire();
            _pendingCount--;
            return true;
        }
    }

    /// <summary>Stops the ticker and drops every pending timer; their callbacks never run.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            RetireAll();
            _pendingCount = 0;
        }

        _timer.Dispose();
    }

    private ITimer CreateTicker(TimeSpan tick)
    {
        if (ReferenceEquals(Time, TimeProvider.System))
        {
            var ticker = new DedicatedTicker(OnTimer, () => Volatile.Read(ref _pendingCount) > 0, tick, "timer-wheel");
            _ticker = ticker;
            return ticker;
        }

        // The ticker would otherwise capture the creating caller's ExecutionContext (AsyncLocals such as
        // logging scopes) and every timer callback for the server's lifetime would run inside it.
        if (ExecutionContext.IsFlowSuppressed())
        {
            return Time.CreateTimer(static s => ((TimerWheel)s!).OnTimer(), this, tick, tick);
        }

        using (ExecutionContext.SuppressFlow())
        {
            return Time.CreateTimer(static s => ((TimerWheel)s!).OnTimer(), this, tick, tick);
        }
    }

    /// <summary>Duration to timestamp units, rounded up so a timer is never due early; saturating.</summary>
    private static long ToTimestamp(TimeSpan span, long frequency)
    {
        Int128 units = ((Int128)span.Ticks * frequency + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond;
        return units > MaxDelayTimestamp ? MaxDelayTimestamp : (long)units;
    }

    /// <summary>The tick whose boundary (origin + tick * length) is the first at or after <paramref name="timestamp"/>.</summary>
    private long FirstTickAtOrAfter(long timestamp)
    {
        long elapsed = timestamp - _origin;
        return elapsed <= 0 ? 0 : ((elapsed - 1) / _tickTimestamp) + 1;
    }

    /// <summary>The last tick whose boundary has passed at <paramref name="timestamp"/>.</summary>
    private long TickAt(long timestamp)
    {
        long elapsed = timestamp - _origin;
        return elapsed <= 0 ? 0 : elapsed / _tickTimestamp;
    }

    private int SlotOf(long tick) => (int)(tick % _heads.Length);
}
