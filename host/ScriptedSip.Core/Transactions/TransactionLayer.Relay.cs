using ScriptedSip.Core.Messages;
using ScriptedSip.Core.Routing;
using ScriptedSip.Core.Stats;
using ScriptedSip.Core.Transport;

namespace ScriptedSip.Core.Transactions;

/// <summary>Stateful forwarding: client branches, their retransmissions (Timer A/E) and their fr timers.</summary>
public sealed partial class TransactionLayer
{
    /// <summary>t_relay: forwards the request on a new client branch. ACK is forwarded statelessly (it has no transaction).</summary>
    public bool Relay(InboundMessage context, string? uri)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.IsStale)
        {
            TransactionLog.StaleAction(_logger, context.LogTag, "TRelay");
            return false;
        }

        var message = context.Message;
        if (message.Method == Parsing.SipMethod.Ack)
        {
            return _messages.Forwarder.ForwardStateless(context, uri);
        }

        var transaction = Ensure(context);
        if (transaction is null)
        {
            return false;
        }

        var target = uri ?? context.NextHop;
        if (target is null)
        {
            TransactionLog.RelayFailed(_logger, context.LogTag, "no destination");
            return false;
        }

        if (!_messages.Destinations.TryResolve(System.Text.Encoding.UTF8.GetBytes(target), out var endpoint, out var error))
        {
            TransactionLog.RelayFailed(_logger, context.LogTag, error);
            return false;
        }

        var transport = _messages.Transports.For(endpoint!.AddressFamily, SipProtocol.Udp, transaction.Transport);
        if (transport is null)
        {
            TransactionLog.RelayFailed(_logger, context.LogTag, $"no listen address of family {endpoint.AddressFamily}");
            return false;
        }

        lock (transaction.Gate)
        {
            if (transaction.FinalSent || transaction.State == ServerState.Terminated)
            {
                TransactionLog.RelayFailed(_logger, context.LogTag, "a final reply was already sent");
                return false;
            }

            if (transaction.Canceled)
            {
                TransactionLog.RelayFailed(_logger, context.LogTag, "the transaction was cancelled");
                return false;
            }

            var number = transaction.Branches.Count;
            Span<byte> branchId = stackalloc byte[64];
            if (!System.Text.Unicode.Utf8.TryWrite(branchId, $"z9hG4bK{transaction.Index:x}.{transaction.BranchKey:x}.{number}", out var branchLength))
            {
                return false;
            }

            var length = _messages.Forwarder.Write(context, transport, branchId[..branchLength]);
            if (length < 0)
            {
                return false;
            }

            if (transaction.IsInvite && transaction.LastStatus == 0)
            {
                // Stop the caller's INVITE retransmissions while the next hop thinks (RFC 3261 §16.7 / Kamailio's auto 100).
                WithRequest(transaction, request => SendLocalReplyLocked(transaction, request, 100, "Trying"));
            }

            var branch = new ClientBranch(transaction, number, OutputBuffer.Message.AsSpan(0, length).ToArray(), endpoint.Serialize(), transport);
            transaction.Branches.Add(branch);
            if (context.PendingFailureRoute is { } failure)
            {
                transaction.FailureRoute = failure;
            }

            if (context.PendingOnReplyRoute is { } onReply)
            {
                transaction.OnReplyRoute = onReply;
            }

            transport.Send(branch.Request, branch.Destination);
            Counters.Increment(SipCounter.ForwardedRequests);
            branch.RetransmitMs = _options.T1Ms;
            branch.RetransmitTimer = Wheel.Schedule(T1, static s => OnRetransmitTimer((ClientBranch)s!), branch);
            branch.TimeoutTimer = Wheel.Schedule(TimeSpan.FromMilliseconds(_options.FrTimerMs), static s => OnBranchTimeout((ClientBranch)s!), branch);
            context.MarkRelayed();
            return true;
        }
    }

    private static void OnRetransmitTimer(ClientBranch branch)
    {
        var layer = branch.Owner.Layer!;
        lock (branch.Owner.Gate)
        {
            if (branch.Completed || branch.Owner.State == ServerState.Terminated)
            {
                return;
            }

            // INVITE: Timer A doubles until any provisional; non-INVITE: Timer E doubles up to T2 and goes on at T2.
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
    private static void OnBranchTimeout(ClientBranch branch)
    {
        var layer = branch.Owner.Layer!;
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

            branch.Status = 408;
            layer.StopBranchTimers(branch);
            ConsiderBestLocked(transaction, 408, "Request Timeout", null);
            allDone = transaction.Branches.TrueForAll(b => b.Completed) && !transaction.FinalSent;
        }

        if (allDone)
        {
            // Off the timer thread, on the call's worker: a failure route is a script and may take its time.
            layer._scheduler.Post(transaction.CallHash, static t => ((SipTransaction)t!).Layer!.OnAllBranchesFailed((SipTransaction)t!), transaction);
        }
    }

    private void StopBranchTimers(ClientBranch branch)
    {
        Cancel(branch.RetransmitTimer);
        Cancel(branch.TimeoutTimer);
        branch.RetransmitTimer = null;
        branch.TimeoutTimer = null;
    }

    /// <summary>RFC 3261 §16.7 step 6, simplified: a 6xx wins, otherwise the lowest status.</summary>
    private static void ConsiderBestLocked(SipTransaction transaction, int status, string reason, byte[]? upstreamReply)
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
            if (failureRoute is not null && _routes.Current.Find(failureRoute) is not null)
            {
                transaction.RunningRoutes++;
            }
            else
            {
                failureRoute = null;
                SendBestLocked(transaction);
            }
        }

        if (failureRoute is not null)
        {
            RouteRunner.RunOnTransaction(transaction, failureRoute, RouteOrigin.Failure); // already on the call's worker
        }
    }

    private void SendBestLocked(SipTransaction transaction)
    {
        if (transaction.BestReply is { } reply)
        {
            SendUpstreamLocked(transaction, reply, transaction.BestStatus);
            Counters.Increment(SipCounter.ForwardedReplies);
        }
        else
        {
            var status = transaction.BestStatus == 0 ? 500 : transaction.BestStatus;
            var reason = transaction.BestReason ?? "Server Internal Error";
            WithRequest(transaction, request => SendLocalReplyLocked(transaction, request, status, reason));
        }
    }
}
