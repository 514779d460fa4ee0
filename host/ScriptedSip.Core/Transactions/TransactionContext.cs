using System.Net;
using Microsoft.Extensions.Logging;
using ScriptedSip.Core.Messages;
using ScriptedSip.Core.Parsing;
using ScriptedSip.Core.Routing;
using ScriptedSip.Core.Scheduling;
using ScriptedSip.Core.Stats;
using ScriptedSip.Core.Timers;

namespace ScriptedSip.Core.Transactions;

/// <summary>
/// What the parts of the transaction layer share: the table, the timing wheel, the settings and
/// services, the count of suspended transactions, and the few primitives every part needs
/// (stopping timers, leaving a suspension, queuing a route to the call's worker).
/// </summary>
internal sealed class TransactionContext
{
    [ThreadStatic]
    private static SipMessage? t_scratchMessage;

    private ITransactionRoutes? _routeRunner;
    private int _suspendedNow;

    public TransactionContext(TransactionLayer layer, MessageServices messages, IRouteProvider routes, IWorkScheduler scheduler, SipCounters counters, TransactionOptions options, TimerWheel wheel, ILogger logger)
    {
        Layer = layer;
        Messages = messages;
        Routes = routes;
        Scheduler = scheduler;
        Counters = counters;
        Options = options;
        Wheel = wheel;
        Logger = logger;
    }

    public TransactionLayer Layer { get; }

    public MessageServices Messages { get; }

    public IRouteProvider Routes { get; }

    public IWorkScheduler Scheduler { get; }

    public SipCounters Counters { get; }

    public TransactionOptions Options { get; }

    public TimerWheel Wheel { get; }

    public ILogger Logger { get; }

    public TransactionTable Table { get; } = new();

    public ITransactionRoutes RouteRunner
    {
        get => _routeRunner ?? throw new InvalidOperationException("No route runner is attached to the transaction layer.");
        set => _routeRunner = value;
    }

    /// <summary>Transactions suspended or awaiting now.</summary>
    public int SuspendedNow => Volatile.Read(ref _suspendedNow);

    public TimeSpan T1 => TimeSpan.FromMilliseconds(Options.T1Ms);

    public TimeSpan T2 => TimeSpan.FromMilliseconds(Math.Max(Options.T1Ms, 4000));

    /// <summary>How long a finished transaction lingers to absorb retransmissions (Kamailio's wt_timer).</summary>
    public TimeSpan WaitTime => TimeSpan.FromMilliseconds(Options.WaitMs);

    public void IncrementSuspended() => Interlocked.Increment(ref _suspendedNow);

    /// <summary>Leaves the suspended/awaiting state (if in it), keeping the counters right.</summary>
    public void EndSuspensionLocked(SipTransaction transaction)
    {
        if (transaction.Suspension != SuspendState.None)
        {
            transaction.Suspension = SuspendState.None;
            Interlocked.Decrement(ref _suspendedNow);
        }

        Cancel(transaction.SuspendTimer);
        transaction.SuspendTimer = null;
    }

    public void Cancel(TimerHandle? handle)
    {
        if (handle is not null)
        {
            Wheel.Cancel(handle);
        }
    }

    /// <summary>Runs an action with the transaction's request parsed into this thread's scratch message.</summary>
    public static void WithRequest(SipTransaction transaction, Action<SipMessage> action)
    {
        var message = t_scratchMessage ??= new SipMessage();
        if (message.Parse(transaction.Request) == SipParseStatus.Ok)
        {
            action(message);
        }
    }

    /// <summary>A copy of the message's start line with its CRLF (the message itself when it has nothing after it).</summary>
    internal static byte[] StartLineOnly(byte[] message)
    {
        var lineEnd = message.AsSpan().IndexOf("\r\n"u8);
        return lineEnd >= 0 && lineEnd + 2 < message.Length ? message.AsSpan(0, lineEnd + 2).ToArray() : message;
    }

    public void StopBranchTimers(ClientBranch branch)
    {
        Cancel(branch.RetransmitTimer);
        Cancel(branch.TimeoutTimer);
        branch.RetransmitTimer = null;
        branch.TimeoutTimer = null;
    }

    /// <summary>Queues a route run on the transaction to the worker that owns its call (per-call order holds across resumes).</summary>
    public void PostRoute(SipTransaction transaction, string route, RouteOrigin origin) =>
        Scheduler.Post(transaction.CallHash, static s => ((PostedRoute)s!).Run(), new PostedRoute(this, transaction, route, origin));

    private sealed class PostedRoute(TransactionContext layer, SipTransaction transaction, string route, RouteOrigin origin)
    {
        public void Run()
        {
            try
            {
                layer.RouteRunner.RunOnTransaction(transaction, route, origin);
            }
#pragma warning disable CA1031 // a route run must never take the worker down
            catch (Exception ex)
#pragma warning restore CA1031
            {
                TransactionLog.Unexpected(layer.Logger, $"{transaction.Index}:{transaction.Label}", ex);
            }
        }
    }
}
