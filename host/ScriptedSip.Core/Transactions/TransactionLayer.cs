using Microsoft.Extensions.Logging;
using ScriptedSip.Core.Messages;
using ScriptedSip.Core.Parsing;
using ScriptedSip.Core.Routing;
using ScriptedSip.Core.Scheduling;
using ScriptedSip.Core.Stats;
using ScriptedSip.Core.Timers;
using ScriptedSip.Core.Transport;

namespace ScriptedSip.Core.Transactions;

/// <summary>
/// Kamailio's tm in C#: the one entry point of the transaction layer, over parts with one job each
/// — <see cref="ServerTransactions"/> (upstream side, timers G/H, deletion), <see cref="ClientBranches"/>
/// (forwarding, retransmissions, fr timers, CANCEL/ACK), <see cref="BranchReplies"/> (replies from the
/// next hops), <see cref="Suspensions"/> (suspend/resume/await) and <see cref="EndOfRouteRules"/> —
/// sharing one <see cref="TransactionTable"/> and one <see cref="TimerWheel"/>. It works on
/// <see cref="InboundMessage"/>, sends through <see cref="ISipTransport"/>, runs scripts only through
/// <see cref="ITransactionRoutes"/>, always queued to the call's worker: the timer thread never runs a route.
/// </summary>
public sealed class TransactionLayer : IDisposable, IUnreachableDestinations
{
    public const int MinAsyncSeconds = Suspensions.MinAsyncSeconds;
    public const int MaxAsyncSeconds = Suspensions.MaxAsyncSeconds;

    private readonly TransactionContext _ctx;
    private readonly BranchReplies _replies;
    private readonly EndOfRouteRules _endOfRoute;
    private readonly UnreachableBranches _unreachable;

    public TransactionLayer(
        MessageServices messages,
        IRouteProvider routes,
        IWorkScheduler scheduler,
        SipCounters counters,
        TransactionOptions options,
        TimerWheel wheel,
        ILogger logger)
    {
        _ctx = new TransactionContext(this, messages, routes, scheduler, counters, options, wheel, logger);
        Server = new ServerTransactions(_ctx);
        Client = new ClientBranches(_ctx);
        Suspensions = new Suspensions(_ctx);
        _replies = new BranchReplies(_ctx);
        _endOfRoute = new EndOfRouteRules(_ctx);
        _unreachable = new UnreachableBranches(_ctx);
    }

    public TransactionTable Table => _ctx.Table;

    public TimerWheel Wheel => _ctx.Wheel;

    /// <summary>Transactions suspended or awaiting now.</summary>
    public int SuspendedNow => _ctx.SuspendedNow;

    internal TransactionContext Context => _ctx;

    internal ServerTransactions Server { get; }

    internal ClientBranches Client { get; }

    internal Suspensions Suspensions { get; }

    /// <summary>Connects the route runner (it needs this layer too, so it comes after construction).</summary>
    public void AttachRoutes(ITransactionRoutes routeRunner) => _ctx.RouteRunner = routeRunner;

    public void Dispose() => _ctx.Wheel.Dispose();

    /// <summary>The transaction of the message's request, created if needed (t_newtran). Null for ACK or non-requests.</summary>
    public SipTransaction? Ensure(InboundMessage message) => Server.Ensure(message);

    /// <summary>t_reply: a reply from the script, sent statefully (re-sent on retransmissions).</summary>
    public bool Reply(InboundMessage message, int code, string reason) => Server.Reply(message, code, reason);

    /// <summary>t_check_trans: true when the request belongs to an existing transaction.</summary>
    public bool CheckTransaction(InboundMessage message) => Server.CheckTransaction(message);

    /// <summary>t_relay: forwards the request on a new client branch. ACK is forwarded statelessly (it has no transaction).</summary>
    public bool Relay(InboundMessage message, string? uri) => Client.Relay(message, uri);

    /// <summary>A reply from a next hop (reply routes, then relay or collect).</summary>
    public void HandleReply(InboundMessage reply) => _replies.HandleReply(reply);

    /// <summary>t_suspend. False (logged) after a final reply, for ACK, or when MaxSuspended are suspended.</summary>
    public bool Suspend(InboundMessage message) => Suspensions.Suspend(message);

    /// <summary>async_route: suspend now, run <paramref name="route"/> on the transaction after <paramref name="seconds"/>.</summary>
    public bool AsyncRoute(InboundMessage message, string route, int seconds) => Suspensions.AsyncRoute(message, route, seconds);

    /// <summary>async_sleep: a task completing after <paramref name="seconds"/>; the awaiting script keeps its state.</summary>
    public Task Sleep(InboundMessage message, int seconds) => Suspensions.Sleep(message, seconds);

    /// <summary>t_continue: resumes a suspended transaction in the named route of the scripts loaded now, exactly once.</summary>
    public bool Continue(TransactionId id, string route) => Suspensions.Continue(id, route);

    /// <summary>TContinue with ids as text straight from a packet: garbage → false and one warning.</summary>
    public bool Continue(string? index, string? label, string route) => Suspensions.Continue(index, label, route);

    /// <summary>A request route awaits an unfinished task: hold its transaction like a suspended one.</summary>
    public void BeginAwait(InboundMessage message) => Suspensions.BeginAwait(message);

    /// <summary>The awaited task completed: the transaction is no longer held.</summary>
    public void EndAwait(InboundMessage message) => Suspensions.EndAwait(message);

    /// <summary>A route that was to run on the transaction cannot: the run is over, 500 if nothing final was sent.</summary>
    public void AbandonRoute(SipTransaction transaction) => Suspensions.AbandonRoute(transaction);

    /// <summary>End-of-route rules for requests (see <see cref="EndOfRouteRules"/>).</summary>
    public void EndOfRoute(InboundMessage message, bool failed) => _endOfRoute.EndOfRoute(message, failed);

    /// <summary>A datagram of a client branch bounced (ICMP unreachable): that branch ends with 503 at once.</summary>
    public bool OnUnreachable(ISipTransport transport, System.Net.SocketAddress destination, ReadOnlySpan<byte> quotedDatagram, string reason) =>
        _unreachable.OnUnreachable(transport, destination, quotedDatagram, reason);

    /// <summary>Graceful stop: every transaction without a final reply gets 503.</summary>
    public void Shutdown() => Server.Shutdown();

    /// <summary>
    /// Handles a request that matches an existing transaction before any script sees it:
    /// a retransmission gets the last reply again (or nothing yet), the ACK of a negative final
    /// ends Timer G, and a CANCEL is answered 200 and cancels its INVITE. False = a new request.
    /// </summary>
    public bool TryAbsorb(SipMessage message, InboundDatagram datagram)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(datagram);
        if (Table.Count == 0)
        {
            return false;
        }

        var transaction = Table.Find(ServerKey.From(message));
        if (transaction is null)
        {
            return false;
        }

        switch (message.Method)
        {
            case SipMethod.Cancel when transaction.IsInvite:
                Client.CancelTransaction(transaction, message, datagram);
                return true;
            case SipMethod.Ack when transaction.IsInvite:
                return Server.AbsorbAck(transaction);
            case var method when method == transaction.Method:
                _ctx.Counters.Increment(SipCounter.RetransmissionsAbsorbed);
                lock (transaction.Gate)
                {
                    if (transaction.LastReply is { } reply && transaction.State != ServerState.Terminated)
                    {
                        transaction.Transport.Send(reply, transaction.ReplyTo);
                    }
                }

                return true;
            default:
                return false;
        }
    }
}
