using System.Collections.Concurrent;

namespace ScriptedSip.Core.Transport;

/// <summary>
/// The inbox of one worker thread; the listener's receive thread is the only producer. An idle
/// worker sleeps on a monitor without spinning (spinning waits burned more CPU than the messages at
/// moderate rates), and the producer only pays for a wake-up when the worker is actually asleep.
/// </summary>
internal sealed class WorkerQueue
{
    private readonly ConcurrentQueue<InboundDatagram> _items = new();
    private readonly object _gate = new();
    private readonly int _limit;
    private int _count;
    private int _inFlight;
    private int _sleeping;

    public WorkerQueue(int limit) => _limit = limit;

    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// Datagrams given to this worker and not finished yet. Zero means the worker is idle and, since
    /// the receive thread is its only producer, stays idle until that thread hands it something.
    /// </summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The worker finished one datagram.</summary>
    public void Completed() => Interlocked.Decrement(ref _inFlight);

    /// <summary>False when the worker is this far behind: the caller drops the datagram.</summary>
    public bool TryEnqueue(InboundDatagram item)
    {
        if (Interlocked.Increment(ref _count) > _limit)
        {
            Interlocked.Decrement(ref _count);
            return false;
        }

        Interlocked.Increment(ref _inFlight);
        _items.Enqueue(item); // a full fence: the read of _sleeping below cannot move before it
        if (Volatile.Read(ref _sleeping) == 1)
        {
            lock (_gate)
            {
                Monitor.Pulse(_gate);
            }
        }

        return true;
    }

    /// <summary>Waits for the next datagram; null once <paramref name="stop"/> is cancelled and the queue is empty.</summary>
    public InboundDatagram? Dequeue(CancellationToken stop)
    {
        while (true)
        {
            if (_items.TryDequeue(out var item))
            {
                Interlocked.Decrement(ref _count);
                return item;
            }

            if (stop.IsCancellationRequested)
            {
                return null;
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
    }
}
