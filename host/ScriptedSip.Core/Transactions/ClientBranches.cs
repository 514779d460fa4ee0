using System.Net;
using Microsoft.Extensions.Logging;
using ScriptedSip.Core.Messages;
using ScriptedSip.Core.Parsing;
using ScriptedSip.Core.Routing;
using ScriptedSip.Core.Stats;
using ScriptedSip.Core.Transport;

namespace ScriptedSip.Core.Transactions;

/// <summary>
/// The client side (RFC 3261 §17.1, §16.6–16.10): stateful forwarding on client branches, their
/// retransmissions (Timer A/E) and fr timers, the best-reply choice when every branch failed, the
/// failure route, and the hop-by-hop CANCEL and ACK.
/// </summary>
internal sealed partial class ClientBranches
{
    [ThreadStatic]
    private static SipMessage? t_scratchMessage;

    private readonly TransactionContext _ctx;

    public ClientBranches(TransactionContext ctx) => _ctx = ctx;

    /// <summary>t_relay: forwards the request on a new client branch. ACK is forwarded statelessly (it has no transaction).</summary>
    public bool Relay(InboundMessage context, string? uri)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.IsStale)
        {
            TransactionLog.StaleAction(_ctx.Logger, context.LogTag, "TRelay");
            return false;
        }

        var message = context.Message;
        if (message.Method == Parsing.SipMethod.Ack)
        {
            return _ctx.Messages.Forwarder.ForwardStateless(context, uri);
        }

        var transaction = _ctx.Layer.Server.Ensure(context);
        if (transaction is null)
        {
            return false;
        }

        var target = uri ?? context.NextHop;
        if (target is null)
        {
            TransactionLog.RelayFailed(_ctx.Logger, context.LogTag, "no destination");
            return false;
        }

        var lookup = _ctx.Messages.Destinations.Locate(System.Text.Encoding.UTF8.GetBytes(target));
        if (lookup.IsName)
        {
            return RelayLocated(context, transaction, lookup);
        }

        if (!_ctx.Messages.Forwarder.TrySelectHop(context, lookup, transaction.Transport, out var hop, out var error))
        {
            TransactionLog.RelayFailed(_ctx.Logger, context.LogTag, error);
            return false;
        }

        var transport = hop.Transport;

        var forks = LocateAppendedBranches(context);
        List<ClientBranch>? failedForks;
        lock (transaction.Gate)
        {
            if (!MayRelayLocked(context, transaction))
            {
                return false;
            }

            // Forks start from the request without our hop headers, each with its own listener.
            var recordRoute = context.RecordRouteRequested && !context.RecordRouteWritten;
            var forkTemplate = forks is null ? null : _ctx.Messages.Forwarder.WriteTemplate(context);
            if (forks is not null && forkTemplate is null)
            {
                return false;
            }

            var number = transaction.Branches.Count;
            Span<byte> branchId = stackalloc byte[64];
            if (!Messages.HopTemplate.TryWriteBranch(branchId, transaction.Index, transaction.BranchKey, number, out var branchLength))
            {
                return false;
            }

            var length = _ctx.Messages.Forwarder.Write(context, transport, branchId[..branchLength]);
            if (length < 0)
            {
                return false;
            }

            if (transaction.IsInvite && transaction.LastStatus == 0)
            {
                // Stop the caller's INVITE retransmissions while the next hop thinks (RFC 3261 §16.7 / Kamailio's auto 100).
                // Built from the request as this route parsed it (the transaction's copy holds the same
                // bytes): no second parse, no closure.
                _ctx.Layer.Server.SendLocalReplyLocked(transaction, context.Message, 100, "Trying");
            }

            var branch = new ClientBranch(transaction, number, OutputBuffer.Message.AsSpan(0, length).ToArray(), SharedAddresses.Of(hop.EndPoint), transport);
            transaction.Branches.Add(branch);
            if (context.PendingFailureRoute is { } failure)
            {
                transaction.FailureRoute = failure;
            }

            if (context.PendingOnReplyRoute is { } onReply)
            {
                transaction.OnReplyRoute = onReply;
            }

            SendBranchLocked(branch, hop);
            failedForks = forkTemplate is null ? null : StartAppendedBranchesLocked(transaction, context, forkTemplate, recordRoute, forks);
            context.MarkRelayed();
        }

        FailAfterRoute(transaction, failedForks);
        return true;
    }

    /// <summary>
    /// Sends a new branch's request to its next hop and starts its timers: Timer A/E retransmissions
    /// over UDP only (RFC 3261 §17.1.1.2: none on a reliable transport), the fr timer always. Over
    /// TCP/TLS the connection is reused or opened without waiting; one that cannot be opened ends the
    /// branch at once with 503 (into the failure route when every branch has ended), not at fr timeout.
    /// Call with the transaction's gate held.
    /// </summary>
    internal void SendBranchLocked(ClientBranch branch, Messages.SelectedHop hop)
    {
        // Timers first: the clock they count from is the moment of sending, also when the request
        // is sent from a DNS answer while the test clock (or the timer thread) moves on.
        if (!branch.Transport.IsReliable)
        {
            branch.RetransmitMs = _ctx.Options.T1Ms;
            branch.RetransmitTimer = _ctx.Wheel.Schedule(_ctx.T1, static s => OnRetransmitTimer((ClientBranch)s!), branch);
        }

        branch.TimeoutTimer = _ctx.Wheel.Schedule(TimeSpan.FromMilliseconds(_ctx.Options.FrTimerMs), static s => OnBranchTimeout((ClientBranch)s!), branch);
        hop.Send(branch.Request, branch.Destination, static (s, why) => OnConnectFailed((ClientBranch)s, why), branch);
        _ctx.Counters.Increment(SipCounter.ForwardedRequests);
    }

    private static void OnConnectFailed(ClientBranch branch, string why)
    {
        TransactionLog.RelayFailed(branch.Owner.Layer!.Context.Logger, "branch " + branch.Number.ToString(System.Globalization.CultureInfo.InvariantCulture), why);
        FailBranch(branch, 503, "Service Unavailable", failover: true);
    }

    /// <summary>Ends a branch that got no reply with a local final status; the last one to end runs the failure route (or sends the best reply).</summary>
    /// <param name="failover">A next DNS target is tried first, if the branch has one (a connect failure).</param>
    internal static void FailBranch(ClientBranch branch, int status, string reason, bool failover = false)
    {
        var layer = branch.Owner.Layer!.Context;
        var transaction = branch.Owner;
        bool allDone;
        lock (transaction.Gate)
        {
            if (branch.Completed || transaction.State == ServerState.Terminated)
            {
                return;
            }

            branch.Status = status;
            layer.StopBranchTimers(branch);
            ConsiderBestLocked(transaction, status, reason, null);
            if (failover)
            {
                TryFailoverLocked(branch);
            }

            allDone = transaction.Branches.TrueForAll(b => b.Completed) && !transaction.FinalSent;
        }

        if (allDone)
        {
            layer.Scheduler.Post(transaction.CallHash, static t => ((SipTransaction)t!).Layer!.Client.OnAllBranchesFailed((SipTransaction)t!), transaction);
        }
    }

    private static void OnRetransmitTimer(ClientBranch branch)
    {
        var layer = branch.Owner.Layer!.Context;
        lock (branch.Owner.Gate)
        {
            if (branch.Completed || branch.Owner.State == ServerState.Terminated)
            {
                return;
            }

            // INVITE: Timer A doubles until any provisional; non-INVITE: Timer E doubles up to _ctx.T2 and goes on at _ctx.T2.
            if (branch.Owner.IsInvite && branch.Status > 0)
            {
                return;
            }

            branch.Transport.Send(branch.Request, branch.Destination);
            branch.RetransmitMs = branch.Owner.IsInvite
                ? branch.RetransmitMs * 2
                : branch.Status > 0 ? (int)layer.T2.TotalMilliseconds : Math.Min(branch.RetransmitMs * 2, (int)layer.T2.TotalMilliseconds);
            branch.RetransmitTimer = layer.Wheel.Schedule(TimeSpan.FromMilliseconds(branch.RetransmitMs), static s => OnRetransmitTimer((ClientBranch)s!), branch);
        }
    }

    /// <summary>fr / fr-inv timer: no final reply from the next hop in time → this branch ends with a local 408.</summary>
    internal static void OnBranchTimeout(ClientBranch branch)
    {
        var layer = branch.Owner.Layer!.Context;
        var transaction = branch.Owner;
        bool allDone;
        lock (transaction.Gate)
        {
            if (branch.Completed || transaction.State == ServerState.Terminated)
            {
                return;
            }

            layer.Counters.Increment(SipCounter.BranchTimeouts);
            if (transaction.IsInvite && branch.Status >= 100)
            {
                SendCancelLocked(branch); // the next hop rang but never answered: stop it ringing
            }

            var answered = branch.Status >= 100;
            branch.Status = 408;
            layer.StopBranchTimers(branch);
            ConsiderBestLocked(transaction, 408, "Request Timeout", null);
            if (!answered)
            {
                TryFailoverLocked(branch); // the target never answered: the next DNS target may
            }
            allDone = transaction.Branches.TrueForAll(b => b.Completed) && !transaction.FinalSent;
        }

        if (allDone)
        {
            // Off the timer thread, on the call's worker: a failure route is a script and may take its time.
            layer.Scheduler.Post(transaction.CallHash, static t => ((SipTransaction)t!).Layer!.Client.OnAllBranchesFailed((SipTransaction)t!), transaction);
        }
    }

    /// <summary>RFC 3261 §16.7 step 6, simplified: a 6xx wins, otherwise the lowest status.</summary>
    internal static void ConsiderBestLocked(SipTransaction transaction, int status, string reason, byte[]? upstreamReply)
    {
        static int Rank(int s) => s >= 600 ? 0 : s;
        if (transaction.BestStatus == 0 || Rank(status) < Rank(transaction.BestStatus))
        {
            transaction.BestStatus = status;
            transaction.BestReason = reason;
            transaction.BestReply = upstreamReply;
        }
    }

    /// <summary>Every branch ended negatively: run the failure route if armed, else send the best reply upstream.</summary>
    internal void OnAllBranchesFailed(SipTransaction transaction)
    {
        string? failureRoute;
        lock (transaction.Gate)
        {
            if (transaction.FinalSent || transaction.State == ServerState.Terminated || transaction.RunningRoutes > 0)
            {
                return;
            }

            failureRoute = transaction.Canceled ? null : transaction.FailureRoute;
            transaction.FailureRoute = null; // one shot; the failure route may arm it again
            if (failureRoute is not null && _ctx.Routes.Current.Find(failureRoute) is not null)
            {
                transaction.RunningRoutes++;
            }
            else
            {
                failureRoute = null;
                _ctx.Layer.Server.SendBestLocked(transaction);
            }
        }

        if (failureRoute is not null)
        {
            _ctx.RouteRunner.RunOnTransaction(transaction, failureRoute, RouteOrigin.Failure); // already on the call's worker
        }
    }

    /// <summary>CANCEL of a pending INVITE (RFC 3261 §16.10): 200 for the CANCEL, CANCEL on every pending branch, 487 when nothing downstream will answer.</summary>
    internal void CancelTransaction(SipTransaction transaction, SipMessage cancel, InboundDatagram datagram)
    {
        _ctx.Layer.Server.ReplyToCancel(cancel, datagram);
        lock (transaction.Gate)
        {
            if (transaction.FinalSent || transaction.State == ServerState.Terminated)
            {
                return;
            }

            transaction.Canceled = true;
            var waiting = transaction.Suspension != SuspendState.None;
            _ctx.EndSuspensionLocked(transaction);
            if (waiting)
            {
                transaction.Generation++; // a route still awaiting must not act any more
            }

            var pending = 0;
            foreach (var branch in transaction.Branches)
            {
                if (branch.Completed)
                {
                    continue;
                }

                pending++;
                if (branch.Status >= 100)
                {
                    SendCancelLocked(branch);
                }
                else
                {
                    branch.CancelPending = true; // RFC 3261 §9.1: not before a provisional came back
                }
            }

            if (pending == 0)
            {
                TransactionContext.WithRequest(transaction, request => _ctx.Layer.Server.SendLocalReplyLocked(transaction, request, 487, "Request Terminated"));
            }
        }
    }

    internal static void SendCancelLocked(ClientBranch branch)
    {
        if (branch.CancelSent)
        {
            return;
        }

        branch.CancelSent = true;
        branch.CancelPending = false;
        SendHopRequestLocked(branch, ack: false, default);
    }

    internal static void SendAckLocked(ClientBranch branch, ReadOnlySpan<byte> replyToHeader) =>
        SendHopRequestLocked(branch, ack: true, replyToHeader);

    /// <summary>Sends the CANCEL or the hop-by-hop ACK for a branch's forwarded INVITE.</summary>
    private static void SendHopRequestLocked(ClientBranch branch, bool ack, ReadOnlySpan<byte> replyToHeader)
    {
        var message = t_scratchMessage ??= new SipMessage();
        if (message.Parse(branch.Request) != SipParseStatus.Ok)
        {
            return;
        }

        var buffer = OutputBuffer.Local;
        var length = HopRequestWriter.Write(message, ack, replyToHeader, buffer);
        if (length > 0)
        {
            branch.Transport.Send(buffer.AsSpan(0, length), branch.Destination);
        }
    }

    /// <summary>False (and logged) when the transaction can take no new branch: answered, ended or cancelled.</summary>
    private bool MayRelayLocked(InboundMessage context, SipTransaction transaction)
    {
        if (transaction.FinalSent || transaction.State == ServerState.Terminated)
        {
            TransactionLog.RelayFailed(_ctx.Logger, context.LogTag, "a final reply was already sent");
            return false;
        }

        if (transaction.Canceled)
        {
            TransactionLog.RelayFailed(_ctx.Logger, context.LogTag, "the transaction was cancelled");
            return false;
        }

        return true;
    }
}
