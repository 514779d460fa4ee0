using System.Collections.Concurrent;

namespace ScriptedSip.Core.Scheduling;

/// <summary>
/// The inbox of one worker thread. An idle worker sleeps on a monitor without spinning (spinning
/// waits burned more CPU than the messages at moderate rates), and a producer only pays for a
/// wake-up when the worker is actually asleep. Received messages are bounded (Sip:QueueLimit);
/// work posted for existing calls (resumes, timers, continuations) is not: it is bounded by the
/// transactions that exist, and dropping it would leave a call without an end.
/// <para>
/// Received replies, and requests of transactions that exist already (retransmissions, ACK, CANCEL;
/// recognised by the scheduler), have an urgent lane of their own, taken before everything else:
/// they finish work already started (a branch, a call set up halfway), a new request starts more,
/// so behind a backlog they go first. Nothing causal is reordered — a reply is always to something
/// this server sent after it ran the request, and a transaction exists only once its first request
/// has run — only urgent messages overtake new requests that arrived before them; within each lane
/// arrival order holds.
/// </para>
/// </summary>
internal sealed class WorkQueue
{
    private readonly ConcurrentQueue<WorkItem> _items = new();
    private readonly ConcurrentQueue<WorkItem> _urgent = new();
    private readonly object _gate = new();
    private readonly int _limit;
    private int _received;
    private int _sleeping;

    // Items in both lanes, counted before an item goes in and after it came out: never less than
    // what a taker can see. Its emptiness check is one read instead of a peek into each lane, which
    // an idle worker's inline turn pays on every message.
    private int _waiting;
    private CancellationTokenRegistration _stopRegistration;

    public WorkQueue(int limit) => _limit = limit;

    /// <summary>Received messages waiting now.</summary>
    public int ReceivedWaiting => Volatile.Read(ref _received);

    public int Count => Math.Max(0, Volatile.Read(ref _waiting));

    /// <summary>False when the worker is this far behind: the caller refuses the message.</summary>
    public bool TryEnqueueReceived(WorkItem item, bool urgent)
    {
        if (Interlocked.Increment(ref _received) > _limit)
        {
            Interlocked.Decrement(ref _received);
            return false;
        }

        if (urgent)
        {
            Wake(_urgent, item);
        }
        else
        {
            Enqueue(item);
        }

        return true;
    }

    public void Enqueue(WorkItem item) => Wake(_items, item);

    private void Wake(ConcurrentQueue<WorkItem> lane, WorkItem item)
    {
        Interlocked.Increment(ref _waiting);
        lane.Enqueue(item); // a full fence: the read of _sleeping below cannot move before it
        if (Volatile.Read(ref _sleeping) == 1)
        {
            lock (_gate)
            {
                Monitor.Pulse(_gate);
            }
        }
    }

    /// <summary>
    /// Nothing queued. May say "not empty" for an instant before an item can be taken (the count
    /// rises first); never "empty" while an item can be taken.
    /// </summary>
    public bool IsEmpty => Volatile.Read(ref _waiting) == 0;

    /// <summary>Takes the next item if there is one, without waiting.</summary>
    public bool TryTake(out WorkItem item)
    {
        if (!_urgent.TryDequeue(out item) && !_items.TryDequeue(out item))
        {
            return false;
        }

        Interlocked.Decrement(ref _waiting);
        if (item.Datagram is not null)
        {
            Interlocked.Decrement(ref _received);
        }

        return true;
    }

    /// <summary>Waits until there is work; false once <paramref name="stop"/> is cancelled and the queue is empty.</summary>
    public bool WaitForWork(CancellationToken stop)
    {
        // An idle worker sleeps without a timeout (no wake-ups while nothing happens); the stop
        // request pulses it instead. Registered once per queue, on its first wait.
        if (_stopRegistration == default && stop.CanBeCanceled)
        {
            _stopRegistration = stop.UnsafeRegister(static s => ((WorkQueue)s!).PulseForStop(), this);
        }

        while (IsEmpty)
        {
            lock (_gate)
            {
                // Checked under the gate: a stop that comes after this check pulses a waiting worker.
                if (stop.IsCancellationRequested)
                {
                    return !IsEmpty;
                }

                Interlocked.Exchange(ref _sleeping, 1);
                if (IsEmpty)
                {
                    Monitor.Wait(_gate);
                }

                Interlocked.Exchange(ref _sleeping, 0);
            }
        }

        return true;
    }

    private void PulseForStop()
    {
        lock (_gate)
        {
            Monitor.PulseAll(_gate);
        }
    }
}
