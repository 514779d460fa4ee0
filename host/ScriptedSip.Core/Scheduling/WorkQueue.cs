using System.Collections.Concurrent;

namespace ScriptedSip.Core.Scheduling;

/// <summary>
/// The inbox of one worker thread. An idle worker sleeps on a monitor without spinning (spinning
/// waits burned more CPU than the messages at moderate rates), and a producer only pays for a
/// wake-up when the worker is actually asleep. Received messages are bounded (Sip:QueueLimit);
/// work posted for existing calls (resumes, timers, continuations) is not: it is bounded by the
/// transactions that exist, and dropping it would leave a call without an end.
/// </summary>
internal sealed class WorkQueue
{
    private readonly ConcurrentQueue<WorkItem> _items = new();
    private readonly object _gate = new();
    private readonly int _limit;
    private int _received;
    private int _sleeping;

    public WorkQueue(int limit) => _limit = limit;

    /// <summary>Received messages waiting now.</summary>
    public int ReceivedWaiting => Volatile.Read(ref _received);

    public int Count => _items.Count;

    /// <summary>False when the worker is this far behind: the caller refuses the message.</summary>
    public bool TryEnqueueReceived(WorkItem item)
    {
        if (Interlocked.Increment(ref _received) > _limit)
        {
            Interlocked.Decrement(ref _received);
            return false;
        }

        Enqueue(item);
        return true;
    }

    public void Enqueue(WorkItem item)
    {
        _items.Enqueue(item); // a full fence: the read of _sleeping below cannot move before it
        if (Volatile.Read(ref _sleeping) == 1)
        {
            lock (_gate)
            {
                Monitor.Pulse(_gate);
            }
        }
    }

    public bool IsEmpty => _items.IsEmpty;

    /// <summary>Takes the next item if there is one, without waiting.</summary>
    public bool TryTake(out WorkItem item)
    {
        if (!_items.TryDequeue(out item))
        {
            return false;
        }

        if (item.Datagram is not null)
        {
            Interlocked.Decrement(ref _received);
        }

        return true;
    }

    /// <summary>Waits until there is work; false once <paramref name="stop"/> is cancelled and the queue is empty.</summary>
    public bool WaitForWork(CancellationToken stop)
    {
        while (_items.IsEmpty)
        {
            if (stop.IsCancellationRequested)
            {
                return false;
            }

            lock (_gate)
            {
                Interlocked.Exchange(ref _sleeping, 1);
                if (_items.IsEmpty)
                {
                    // Timed, so a stop request is noticed without anyone pulsing.
                    Monitor.Wait(_gate, 200);
                }

                Interlocked.Exchange(ref _sleeping, 0);
            }
        }

        return true;
    }
}
