using Microsoft.Extensions.Logging;
using ScriptedSip.Core.Transport;

namespace ScriptedSip.Core.Scheduling;

/// <summary>
/// One worker thread: takes its queue's items one at a time (a call's turn never overlaps its next
/// one), runs them with the worker's synchronization context installed (so an <c>await</c> in a
/// route comes back here), and times each turn for the watchdog.
/// </summary>
internal sealed partial class SipWorker
{
    [ThreadStatic]
    private static SipWorker? t_current;

    // Work posted from inside a turn, to run right after it on the same thread (see TryDefer).
    [ThreadStatic]
    private static List<(SipWorker Worker, WorkItem Item)>? t_after;

    private readonly IDatagramHandler _handler;
    private readonly ILogger _logger;
    private readonly WorkerSynchronizationContext _context;
    private readonly Thread _thread;
    private readonly object _claimGate = new();

    // 1 while a turn of this worker runs (on its thread, or inline on a receive thread): turns never overlap.
    private int _claim;
    private int _claimWaiters;

    public SipWorker(int index, int queueLimit, IDatagramHandler handler, RouteClock clock, ILogger logger)
    {
        Index = index;
        Queue = new WorkQueue(queueLimit);
        Clock = clock;
        _handler = handler;
        _logger = logger;
        _context = new WorkerSynchronizationContext(this);
        _thread = new Thread(Run) { IsBackground = true, Name = $"sip-worker {index}" };
    }

    /// <summary>The worker running on this thread; null on any other thread.</summary>
    public static SipWorker? Current => t_current;

    public int Index { get; }

    public WorkQueue Queue { get; }

    public RouteClock Clock { get; }

    public CancellationToken StopToken { get; set; }

    public void Start() => _thread.Start();

    /// <summary>
    /// Inline mode (the route test kit): no thread of its own; whoever drives the scheduler runs the
    /// queued turns on its own thread, as this worker, with <see cref="TryRunQueued"/>.
    /// </summary>
    public bool Inline { get; init; }

    /// <summary>
    /// Inline mode: takes one queued item and runs it on the calling thread as this worker, then
    /// what that turn posted. False when the queue is empty (or a turn of this worker is running).
    /// </summary>
    public bool TryRunQueued()
    {
        if (Queue.IsEmpty || Interlocked.CompareExchange(ref _claim, 1, 0) != 0)
        {
            return false;
        }

        var previousWorker = t_current;
        var previousContext = SynchronizationContext.Current;
        var ran = false;
        t_current = this;
        SynchronizationContext.SetSynchronizationContext(_context);
        try
        {
            if (Queue.TryTake(out var item))
            {
                RunTurn(item);
                ran = true;
            }
        }
        finally
        {
            t_current = previousWorker;
            SynchronizationContext.SetSynchronizationContext(previousContext);
            ReleaseClaim();
        }

        RunDeferred();
        return ran;
    }

    public void Join(TimeSpan timeout)
    {
        if (!Inline)
        {
            _thread.Join(timeout);
        }
    }

    public void Enqueue(WorkItem item) => Queue.Enqueue(item);

    /// <summary>
    /// Runs a received message on the calling thread (a receive thread) as this worker, if the worker
    /// is idle: nothing queued and nobody in a turn. Saves two thread switches per message at
    /// moderate rates; per-call order holds because the claim makes this turn exclusive with the
    /// worker thread's turns, and nothing of this call is waiting in the queue.
    /// </summary>
    public bool TryRunInline(InboundDatagram datagram) => TryRunInline(new WorkItem(datagram));

    /// <summary>Runs the item on the calling thread as this worker if it is idle, then what that turn posted; false when busy.</summary>
    public bool TryRunInline(WorkItem item)
    {
        if (!TryRunHere(item))
        {
            return false;
        }

        RunDeferred();
        return true;
    }

    /// <summary>
    /// Work posted from inside a turn (a <c>TContinue</c> from a non-SIP route, a failure route after
    /// a reply) is kept for right after that turn, on the same thread: then it runs there as its
    /// worker if that worker is idle — no wake-up, no thread switch — and is queued otherwise.
    /// False outside a turn (the timer thread, tests): the caller queues it.
    /// </summary>
    public static bool TryDefer(SipWorker target, WorkItem item)
    {
        if (t_current is null)
        {
            return false;
        }

        (t_after ??= []).Add((target, item));
        return true;
    }

    /// <summary>Runs (or queues) what the turn that just ended posted.</summary>
    private static void RunDeferred()
    {
        var after = t_after;
        while (after is { Count: > 0 })
        {
            var (target, item) = after[0];
            after.RemoveAt(0);
            if (!target.TryRunHere(item))
            {
                target.Enqueue(item);
            }
        }
    }

    /// <summary>
    /// Runs one turn on the calling thread as this worker, if the worker is idle: nothing queued and
    /// nobody in a turn. The claim makes the turn exclusive with the worker thread's turns; something
    /// that arrived meanwhile goes first, on the worker thread.
    /// </summary>
    private bool TryRunHere(WorkItem item)
    {
        if (!Queue.IsEmpty || Interlocked.CompareExchange(ref _claim, 1, 0) != 0)
        {
            return false;
        }

        if (!Queue.IsEmpty)
        {
            ReleaseClaim();
            return false;
        }

        var previousWorker = t_current;
        var previousContext = SynchronizationContext.Current;
        t_current = this;
        SynchronizationContext.SetSynchronizationContext(_context);
        try
        {
            RunTurn(item);
        }
        finally
        {
            t_current = previousWorker;
            SynchronizationContext.SetSynchronizationContext(previousContext);
            ReleaseClaim();
        }

        return true;
    }

    private void Run()
    {
        t_current = this;
        SynchronizationContext.SetSynchronizationContext(_context);
        while (Queue.WaitForWork(StopToken))
        {
            AcquireClaim();
            var took = false;
            while (Queue.TryTake(out var item))
            {
                took = true;
                RunTurn(item);
                item = default; // an idle worker must not keep its last turn (and the script version it ran) alive
                if (t_after is { Count: > 0 })
                {
                    // Posted to this worker: runs next in this drain; to another idle worker: runs here.
                    ReleaseClaim();
                    RunDeferred();
                    AcquireClaim();
                }
            }

            ReleaseClaim();
            if (!took)
            {
                // Counted but not in its lane yet: the producer is between the two steps; let it finish.
                Thread.Yield();
            }
        }
    }

    /// <summary>The worker thread waits while a receive thread runs an inline turn of this worker.</summary>
    private void AcquireClaim()
    {
        if (Interlocked.CompareExchange(ref _claim, 1, 0) == 0)
        {
            return;
        }

        lock (_claimGate)
        {
            Interlocked.Increment(ref _claimWaiters);
            while (Interlocked.CompareExchange(ref _claim, 1, 0) != 0)
            {
                Monitor.Wait(_claimGate, 200);
            }

            Interlocked.Decrement(ref _claimWaiters);
        }
    }

    private void ReleaseClaim()
    {
        Interlocked.Exchange(ref _claim, 0); // a full fence: the read of _claimWaiters cannot move before it
        if (Volatile.Read(ref _claimWaiters) > 0)
        {
            lock (_claimGate)
            {
                Monitor.PulseAll(_claimGate);
            }
        }
    }

    /// <summary>One turn, in its own frame: nothing of it stays reachable from the loop's stack once it returns.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void RunTurn(WorkItem item)
    {
        try
        {
            if (item.Datagram is { } datagram)
            {
                Handle(datagram);
            }
            else if (item.IsContinuation)
            {
                Clock.Begin("(await continuation)", null);
                try
                {
                    item.Callback!(item.State);
                }
                finally
                {
                    Clock.End();
                }
            }
            else
            {
                item.Callback!(item.State);
            }
        }
#pragma warning disable CA1031 // the last line of defence: a bug in one turn must not stop the worker
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogTurnFailed(_logger, Index, ex);
        }
    }

    private void Handle(InboundDatagram datagram)
    {
        // Not every message runs a route (retransmissions, ACKs, replies, malformed packets): each
        // still wakes the watchdog and the samplers that sleep with it, so a flood of them is seen.
        Clock.Arrived();
        try
        {
            _handler.Handle(datagram);
        }
#pragma warning disable CA1031 // see Run: the datagram goes back to the pool, the worker goes on
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogHandlerCrash(_logger, SocketAddressText.Describe(datagram.Source), ex);
            datagram.Release();
        }
    }

    [LoggerMessage(EventId = 1005, Level = LogLevel.Error, Message = "Unexpected error processing a message from {Source}; the worker goes on")]
    private static partial void LogHandlerCrash(ILogger logger, string source, Exception exception);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Error, Message = "Unexpected error in a turn of worker {Worker}; the worker goes on")]
    private static partial void LogTurnFailed(ILogger logger, int worker, Exception exception);
}
