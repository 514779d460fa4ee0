using System.Collections.Concurrent;

namespace ScriptedSip.Core.Transport;

/// <summary>
/// The inbox of one worker thread. The receive thread is the only producer per listener; the
/// worker blocks on the semaphore (which spins briefly before sleeping) when idle.
/// </summary>
internal sealed class WorkerQueue : IDisposable
{
    private readonly ConcurrentQueue<InboundDatagram> _items = new();
    private readonly SemaphoreSlim _available = new(0);
    private readonly int _limit;
    private int _count;

    public WorkerQueue(int limit) => _limit = limit;

    public int Count => Volatile.Read(ref _count);

    /// <summary>False when the worker is this far behind: the caller drops the datagram.</summary>
    public bool TryEnqueue(InboundDatagram item)
    {
        if (Interlocked.Increment(ref _count) > _limit)
        {
            Interlocked.Decrement(ref _count);
            return false;
        }

        _items.Enqueue(item);
        _available.Release();
        return true;
    }

    /// <summary>Waits for the next datagram; null once <paramref name="stop"/> is cancelled and the queue is empty.</summary>
    public InboundDatagram? Dequeue(CancellationToken stop)
    {
        try
        {
            _available.Wait(stop);
        }
        catch (OperationCanceledException)
        {
            return _items.TryDequeue(out var last) ? Taken(last) : null;
        }

        return _items.TryDequeue(out var item) ? Taken(item) : null;
    }

    public void Dispose() => _available.Dispose();

    private InboundDatagram Taken(InboundDatagram item)
    {
        Interlocked.Decrement(ref _count);
        return item;
    }
}
