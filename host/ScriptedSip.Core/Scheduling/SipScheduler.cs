using Microsoft.Extensions.Logging;
using ScriptedSip.Core.Transport;

namespace ScriptedSip.Core.Scheduling;

/// <summary>
/// The one scheduler of the process (Kamailio's worker processes, as threads): <c>Sip:Workers</c>
/// workers shared by every listener, each owning the calls whose Call-ID hashes to it. Receive
/// threads only hand messages over (<see cref="TryDispatch"/>), the timer thread only posts
/// (<see cref="Post"/>); all route code runs on the workers.
/// </summary>
public sealed class SipScheduler : IWorkScheduler, IDisposable
{
    private readonly int _workerCount;
    private readonly int _queueLimit;
    private readonly RouteWatchdog _watchdog;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly System.Collections.Concurrent.ConcurrentQueue<(SipWorker Target, WorkItem Item)> _timerTurns = new();
    private bool _timerTurnsAttached;
    private SipWorker[] _workers = [];

    public SipScheduler(int workers, int queueLimit, RouteWatchdog watchdog, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        _workerCount = workers;
        _queueLimit = queueLimit;
        _watchdog = watchdog;
        _logger = logger;
    }

    public int WorkerCount => _workerCount;

    /// <summary>The watchdog clock of the worker running on this thread; null off the workers (tests, benchmarks).</summary>
    public static RouteClock? CurrentClock => SipWorker.Current?.Clock;


    public bool Started => _workers.Length > 0;

    /// <summary>Starts the workers, each with its own handler (handlers may keep per-worker scratch state).</summary>
    public void Start(Func<IDatagramHandler> handlerFactory) => Start(handlerFactory, inline: false);

    /// <summary>
    /// Starts the workers without threads: every turn runs on the thread that hands a message over
    /// (<see cref="TryRunInline"/>) or calls <see cref="RunUntilIdle"/>, as its worker — same queues,
    /// same synchronization contexts, same deferral of posted work, same per-call order; only no
    /// thread waits for work. For the route test kit, which must know when everything has run.
    /// </summary>
    public void StartInline(Func<IDatagramHandler> handlerFactory) => Start(handlerFactory, inline: true);

    /// <summary>True when started by <see cref="StartInline"/>.</summary>
    public bool IsInline { get; private set; }

    /// <summary>
    /// Inline mode: runs every queued turn (and what those turns post, and so on) on the calling
    /// thread until every worker's queue is empty. Returns the number of turns run.
    /// </summary>
    public int RunUntilIdle()
    {
        if (!IsInline)
        {
            throw new InvalidOperationException("RunUntilIdle is for a scheduler started with StartInline.");
        }

        var turns = 0;
        bool ranAny;
        do
        {
            ranAny = false;
            foreach (var worker in _workers)
            {
                while (worker.TryRunQueued())
                {
                    turns++;
                    ranAny = true;
                }
            }
        }
        while (ranAny);
        return turns;
    }

    private void Start(Func<IDatagramHandler> handlerFactory, bool inline)
    {
        ArgumentNullException.ThrowIfNull(handlerFactory);
        if (Started)
        {
            return;
        }

        var workers = new SipWorker[_workerCount];
        for (var i = 0; i < workers.Length; i++)
        {
            workers[i] = new SipWorker(i, _queueLimit, handlerFactory(), _watchdog.Register(), _logger) { StopToken = _stop.Token, Inline = inline };
        }

        IsInline = inline;
        _workers = workers;
        if (inline)
        {
            return;
        }

        foreach (var worker in workers)
        {
            worker.Start();
        }
    }

    /// <summary>The worker that owns a call hash.</summary>
    /// <summary>Received messages waiting at the busiest worker now (a load signal; 0 when not started).</summary>
    public int DeepestReceivedQueue()
    {
        var deepest = 0;
        foreach (var worker in _workers)
        {
            deepest = Math.Max(deepest, worker.Queue.ReceivedWaiting);
        }

        return deepest;
    }

    public int WorkerOf(uint callHash) => (int)(callHash % (uint)_workerCount);


    /// <summary>Hands a received message to the worker of its call. False when that worker is Sip:QueueLimit behind.</summary>
    public bool TryDispatch(InboundDatagram datagram)
    {
        ArgumentNullException.ThrowIfNull(datagram);
        return TryDispatch(WorkerOf(datagram), datagram);
    }

    /// <summary>The worker that owns a received message's call (its Call-ID, or its source when it has none).</summary>
    public int WorkerOf(InboundDatagram datagram)
    {
        ArgumentNullException.ThrowIfNull(datagram);
        return WorkerOf(CallIdHasher.Hash(datagram.Data.Span, datagram.Source));
    }

    /// <summary>
    /// How many received messages must wait at a worker before a request is looked at for the
    /// urgent lane: below it the lanes make no difference worth a lookup per message.
    /// </summary>
    public const int UrgentLaneBacklog = 8;

    /// <summary>Recognises requests of existing transactions (set by the server; null: only replies are urgent).</summary>
    public IExistingTransactionProbe? ExistingTransactions { get; set; }

    /// <summary>
    /// Queues a received message to worker <paramref name="worker"/>; false when it is Sip:QueueLimit
    /// behind. Replies, and — once the worker is <see cref="UrgentLaneBacklog"/> behind — requests of
    /// existing transactions (retransmissions, ACK, CANCEL), take the urgent lane: they finish work
    /// already started, where a new request starts more.
    /// </summary>
    public bool TryDispatch(int worker, InboundDatagram datagram)
    {
        ArgumentNullException.ThrowIfNull(datagram);
        var queue = _workers[worker].Queue;
        var urgent = datagram.IsReply
            || (queue.ReceivedWaiting >= UrgentLaneBacklog && ExistingTransactions?.BelongsToExistingTransaction(datagram.Data.Span) == true);
        return queue.TryEnqueueReceived(new WorkItem(datagram), urgent);
    }

    /// <summary>
    /// Runs a received message on the calling receive thread when worker <paramref name="worker"/> is
    /// idle (see <see cref="SipWorker.TryRunInline"/>). The caller must make sure a turn that blocks
    /// cannot stop its receiving (the UDP listener hands receiving to another thread).
    /// </summary>
    public bool TryRunInline(int worker, InboundDatagram datagram) =>
        _workers.Length > 0 && _workers[worker].TryRunInline(datagram);

    public void Post(uint callHash, Action<object?> work, object? state)
    {
        ArgumentNullException.ThrowIfNull(work);
        var workers = _workers;
        if (workers.Length == 0)
        {
            work(state); // not started (offline use, benchmarks): run in the caller's turn
            return;
        }

        var target = workers[(int)(callHash % (uint)workers.Length)];
        var item = new WorkItem(work, state, isContinuation: false);
        if (SipWorker.TryDefer(target, item))
        {
            return;
        }

        if (_timerTurnsAttached && Timers.DedicatedTicker.IsTickerThread)
        {
            _timerTurns.Enqueue((target, item)); // run by the ticker right after its tick (RunTimerTurns)
            return;
        }

        target.Enqueue(item);
    }

    /// <summary>
    /// Routes posted by timer callbacks (AsyncRoute resumes, failure routes after an fr timeout) run on
    /// the ticker thread right after its tick, inline when their worker is idle — as the receive
    /// thread runs a received message — instead of waking a sleeping worker per resume. A turn there
    /// that blocks moves the ticking to a new thread (the wheel's hand-off), so timers never stall.
    /// </summary>
    public void AttachTimerThread(Timers.TimerWheel wheel)
    {
        ArgumentNullException.ThrowIfNull(wheel);
        wheel.AfterTick = RunTimerTurns;
        _timerTurnsAttached = true;
    }

    private void RunTimerTurns(IInlineGuard guard)
    {
        while (guard.IsCurrent && _timerTurns.TryDequeue(out var turn))
        {
            guard.BeginTurn();
            try
            {
                if (!turn.Target.TryRunInline(turn.Item))
                {
                    turn.Target.Enqueue(turn.Item);
                }
            }
            finally
            {
                guard.EndTurn();
            }
        }
    }

    /// <summary>Lets the workers finish what is queued and waits for them.</summary>
    public void Stop(TimeSpan timeout)
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        _stop.Cancel();
        foreach (var worker in _workers)
        {
            worker.Join(timeout);
        }
    }

    public void Dispose()
    {
        Stop(TimeSpan.FromSeconds(2));
        _stop.Dispose();
    }
}
