namespace ScriptedSip.Core.Timers;

/// <summary>The tick: sweep the slots that became due, then run their callbacks outside the lock.</summary>
public sealed partial class TimerWheel
{
    // Filled under the lock, run after releasing it. Only the thread holding _running touches it.
    private readonly List<DueCallback> _due = [];

    // 1 while a thread is sweeping or running callbacks.
    private int _running;

    private void OnTimer()
    {
        // A system timer starts the next period's callback even if the previous one is still running
        // (a slow callback, a stalled thread pool). Only one thread drives the wheel, so callbacks never
        // overlap and stay in due order; a thread that finds it busy just leaves, and the driver looks at
        // the clock again before it stops, so a tick that passed meanwhile is not left for the next period.
        while (Interlocked.CompareExchange(ref _running, 1, 0) == 0)
        {
            try
            {
                RunDue();
            }
            finally
            {
                Volatile.Write(ref _running, 0);
            }

            if (_disposed || TickAt(Time.GetTimestamp()) <= Volatile.Read(ref _processedTick))
            {
                return;
            }
        }
    }

    private void RunDue()
    {
        long now = Time.GetTimestamp();
        long current = TickAt(now);

        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            // Sweep every tick from the last one swept up to now, so a late or skipped tick catches up.
            // Also sweep the tick in progress (current + 1): its timers that are already due go now, not a
            // period later, which keeps lateness near one tick even when the ticker's phase has drifted to
            // just before the boundaries. More than one revolution behind, each slot is swept once.
            long last = current + 1;
            long first = Math.Max(_processedTick + 1, last - _heads.Length + 1);
            for (long tick = first; tick <= last; tick++)
            {
                CollectDue(SlotOf(tick), now);
            }

            _processedTick = Math.Max(_processedTick, current);
        }

        try
        {
            InvokeDue();
        }
        finally
        {
            _due.Clear();
        }
    }

    /// <summary>
    /// Moves the timers of one slot that are due at <paramref name="now"/> to <see cref="_due"/>. Timers a
    /// revolution or more ahead share the slot and stay: their due timestamp is still in the future.
    /// </summary>
    private void CollectDue(int slot, long now)
    {
        TimerHandle? node = _heads[slot];
        while (node is not null)
        {
            TimerHandle? next = node.Next;
            if (node.DueTimestamp <= now)
            {
                Unlink(node);
                _due.Add(new DueCallback(node.DueTimestamp, node.Sequence, node.Callback!, node.State));
                node.Retire();
                _pendingCount--;
            }

            node = next;
        }
    }

    private void InvokeDue()
    {
        if (_due.Count > 1 && !IsInDueOrder())
        {
            // Slots are swept in tick order, but within a slot (and across slots when catching up more
            // than a revolution) list order is arbitrary; callers expect earlier-due timers to run first.
            _due.Sort(static (a, b) => a.DueTimestamp != b.DueTimestamp
                ? a.DueTimestamp.CompareTo(b.DueTimestamp)
                : a.Sequence.CompareTo(b.Sequence));
        }

        foreach (DueCallback item in _due)
        {
            // Dispose may run on another thread (or in a callback) while this batch is running.
            if (_disposed)
            {
                return;
            }

            try
            {
                item.Callback(item.State);
            }
#pragma warning disable CA1031 // A callback's failure must not stop the timers behind it; it is reported instead.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                ReportCallbackError(ex);
            }
        }
    }

    private bool IsInDueOrder()
    {
        for (int i = 1; i < _due.Count; i++)
        {
            DueCallback previous = _due[i - 1];
            DueCallback current = _due[i];
            if (previous.DueTimestamp > current.DueTimestamp
                || (previous.DueTimestamp == current.DueTimestamp && previous.Sequence > current.Sequence))
            {
                return false;
            }
        }

        return true;
    }

    private void ReportCallbackError(Exception error)
    {
        try
        {
            _onCallbackError?.Invoke(error);
        }
#pragma warning disable CA1031 // A throwing error sink must not stop the wheel either.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>What a fired timer needs after its handle has been retired (which drops callback and state).</summary>
    private readonly record struct DueCallback(long DueTimestamp, long Sequence, Action<object?> Callback, object? State);
}
