using System.Text;
using ScriptedSip.Core.Messages;
using ScriptedSip.Core.Transport;
using ScriptedSip.Core.Transport.ServerLocation;

namespace ScriptedSip.Core.Transactions;

/// <summary>
/// Relays to a host name (RFC 3263). The branch is created at once; when DNS has not answered yet
/// it waits (bounded by the fr timer) and the answer sends it from a thread-pool thread, never from
/// a worker. A name that does not resolve ends the branch with 503 "Unresolvable destination".
/// A branch whose target times out without any reply, answers 503, or cannot be connected fails
/// over to a new branch towards the next target (Kamailio's use_dns_failover) before the failure
/// route runs.
/// </summary>
internal sealed partial class ClientBranches
{
    /// <summary>The reason phrase of the local 503 for a name that does not resolve.</summary>
    public const string UnresolvableReason = "Unresolvable destination";

    private bool RelayLocated(InboundMessage context, SipTransaction transaction, in DestinationLookup lookup)
    {
        var forks = LocateAppendedBranches(context);
        ClientBranch branch;
        bool failNow;
        List<ClientBranch>? failedForks;
        lock (transaction.Gate)
        {
            if (!MayRelayLocked(context, transaction))
            {
                return false;
            }

            var template = _ctx.Messages.Forwarder.WriteTemplate(context);
            if (template is null)
            {
                return false;
            }

            if (transaction.IsInvite && transaction.LastStatus == 0)
            {
                _ctx.Layer.Server.SendLocalReplyLocked(transaction, context.Message, 100, "Trying"); // as in Relay: the route's parse
            }

            var incoming = context.Transport is Transport.Streams.StreamConnection connection ? connection.Listener : context.Transport;
            var recordRoute = context.RecordRouteRequested && !context.RecordRouteWritten;
            var relay = new LocatedRelay(template, lookup.Hop, incoming, transaction.Transport, context.ForcedProtocol, recordRoute);
            branch = new ClientBranch(transaction, transaction.Branches.Count, template, LocatedRelay.Nowhere, context.Transport) { Located = relay };
            transaction.Branches.Add(branch);
            if (context.PendingFailureRoute is { } failure)
            {
                transaction.FailureRoute = failure;
            }

            if (context.PendingOnReplyRoute is { } onReply)
            {
                transaction.OnReplyRoute = onReply;
            }

            failNow = !StartLocatedLocked(branch, lookup, context.LogTag, "relay");
            failedForks = StartAppendedBranchesLocked(transaction, context, template, recordRoute, forks);
            context.MarkRelayed();
        }

        if (failNow)
        {
            // After this route has ended (same worker, queued behind it): the branch ends into the failure route.
            _ctx.Scheduler.Post(transaction.CallHash, static s => FailBranch((ClientBranch)s!, 503, UnresolvableReason), branch);
        }

        FailAfterRoute(transaction, failedForks);
        return true;
    }

    /// <summary>DNS answered (on a thread-pool thread): send the branch to its first usable target, or end it.</summary>
    private static void OnLocated(ClientBranch branch, LocatedServers answer)
    {
        var ctx = branch.Owner.Layer!.Context;
        var transaction = branch.Owner;
        var relay = branch.Located!;
        var lookup = ctx.Messages.Destinations.Answer(relay.Hop, answer);
        int status;
        string reason;
        lock (transaction.Gate)
        {
            if (branch.Completed || transaction.State == ServerState.Terminated)
            {
                return; // timed out, or the transaction ended meanwhile
            }

            ctx.StopBranchTimers(branch);
            if (transaction.Canceled || branch.CancelPending)
            {
                (status, reason) = (487, "Request Terminated"); // nothing was sent: nothing to cancel downstream
            }
            else if (lookup.Status != DestinationStatus.Resolved)
            {
                TransactionLog.RelayFailed(ctx.Logger, transaction.Index.ToString("x", System.Globalization.CultureInfo.InvariantCulture), lookup.Error);
                (status, reason) = (503, UnresolvableReason);
            }
            else
            {
                relay.Add(lookup.Targets);
                if (StartNextTargetLocked(ctx, branch))
                {
                    return;
                }

                (status, reason) = (503, UnresolvableReason);
            }
        }

        FailBranch(branch, status, reason);
    }

    /// <summary>Binds the branch to the next target that has a listener of its transport and sends it. False: no target left.</summary>
    private static bool StartNextTargetLocked(TransactionContext ctx, ClientBranch branch)
    {
        var relay = branch.Located!;
        var transaction = branch.Owner;
        Span<byte> branchId = stackalloc byte[64];
        while (relay.TryTake(out var target))
        {
            var transport = ctx.Messages.Forwarder.TransportFor(target, relay.Hop, relay.Forced, relay.Preferred, relay.TooLargeForUdp, out var protocol);
            var tag = transaction.Index.ToString("x", System.Globalization.CultureInfo.InvariantCulture);
            if (transport is null)
            {
                TransactionLog.TargetSkipped(ctx.Logger, tag, branch.Number, target.EndPoint.ToString(), $"no {SipProtocolText.UriToken(protocol)} listen address of family {target.EndPoint.AddressFamily}");
                continue;
            }

            if (!HopTemplate.TryWriteBranch(branchId, transaction.Index, transaction.BranchKey, branch.Number, out var length)
                || HopTemplate.Compose(relay.Template, relay.Incoming, transport, branchId[..length], relay.RecordRoute) is not { } request)
            {
                return false;
            }

            branch.Bind(request, target.EndPoint.Serialize(), transport);
            ctx.Layer.Client.SendBranchLocked(branch, new SelectedHop(target.EndPoint, transport, protocol == SipProtocol.Tls ? relay.Hop.Host : null));
            return true;
        }

        return false;
    }

    /// <summary>
    /// DNS failover: a branch to a host name that ended without an answer worth keeping (timeout
    /// without any reply, 503, connect failure) gets a successor towards the next target. True when
    /// one was started, so the transaction still has a pending branch. Under the gate.
    /// </summary>
    internal static bool TryFailoverLocked(ClientBranch failed)
    {
        var relay = failed.Located;
        var transaction = failed.Owner;
        if (relay is null || !relay.HasRemaining || transaction.Canceled || transaction.FinalSent || transaction.State == ServerState.Terminated)
        {
            return false;
        }

        var ctx = transaction.Layer!.Context;
        TransactionLog.FailingOver(ctx.Logger, transaction.Index.ToString("x", System.Globalization.CultureInfo.InvariantCulture), failed.Number, failed.Status, relay.Hop.Host);
        var next = new ClientBranch(transaction, transaction.Branches.Count, relay.Template, LocatedRelay.Nowhere, failed.Transport) { Located = relay };
        transaction.Branches.Add(next);
        if (StartNextTargetLocked(ctx, next))
        {
            return true;
        }

        next.Status = 503; // no usable target left: the successor ends at once
        return false;
    }
}
