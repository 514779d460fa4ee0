namespace ScriptedSip.Core.Timers;

/// <summary>
/// One timer scheduled on a <see cref="TimerWheel"/>. The handle is also the wheel's list node:
/// it carries its own links so schedule and cancel are O(1) without any lookup.
/// </summary>
/// <remarks>All mutable state except <see cref="IsPending"/> is guarded by the owning wheel's lock.</remarks>
public sealed class TimerHandle
{
    // Written under the wheel's lock, read without it by IsPending and Cancel's fast path.
    // It only ever goes true -> false, so a stale true just means "ask the wheel under its lock".
    private volatile bool _pending = true;

    internal TimerHandle(TimerWheel owner, Action<object?> callback, object? state, long dueTimestamp)
    {
        Owner = owner;
        Callback = callback;
        State = state;
        DueTimestamp = dueTimestamp;
    }

    /// <summary>True until the timer fires (its callback is handed out) or is cancelled.</summary>
    public bool IsPending => _pending;

    internal TimerWheel Owner { get; }

    internal Action<object?>? Callback { get; private set; }

    internal object? State { get; private set; }

    /// <summary>Absolute due time in <see cref="TimeProvider.GetTimestamp"/> units; the only test for "due".</summary>
    internal long DueTimestamp { get; }

    /// <summary>Schedule order, so timers with equal due times fire in the order they were scheduled.</summary>
    internal long Sequence { get; set; }

    internal int Slot { get; set; } = -1;

    internal TimerHandle? Previous { get; set; }

    internal TimerHandle? Next { get; set; }

    /// <summary>
    /// Marks the timer done and drops the callback and state: transactions keep their handles after
    /// the timer is gone, and those must not keep the (possibly large) state object alive.
    /// </summary>
    internal void Retire()
    {
        _pending = false;
        Callback = null;
        State = null;
    }
}
