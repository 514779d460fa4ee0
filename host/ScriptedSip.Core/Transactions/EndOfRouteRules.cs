using System.Net;
using Microsoft.Extensions.Logging;
using ScriptedSip.Core.Messages;
using ScriptedSip.Core.Parsing;
using ScriptedSip.Core.Routing;
using ScriptedSip.Core.Stats;
using ScriptedSip.Core.Transport;
using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Core.Transactions;

/// <summary>
/// What happens to a transaction when the route that ran on it ends: every transaction ends with
/// a reply, a relay, or a suspension that will end it — never silently.
/// </summary>
internal sealed class EndOfRouteRules
{
    private readonly TransactionContext _ctx;

    public EndOfRouteRules(TransactionContext ctx) => _ctx = ctx;

    /// <summary>
    /// End-of-route rules for requests. A route that failed gets 500 (unless answered). A route that
    /// ran on a transaction it must settle (resumed, failure, or held by an await) and left it without
    /// reply, relay or new suspension: resumed → 500, failure → the best reply goes upstream.
    /// </summary>
    public void EndOfRoute(InboundMessage context, bool failed)
    {
        ArgumentNullException.ThrowIfNull(context);
        var transaction = context.Transaction;
        if (context.IsStale)
        {
            return;
        }

        if (transaction is null)
        {
            if (failed && context.Kind == RouteKind.Request && !context.Replied && !context.Forwarded)
            {
                _ctx.Messages.Replier.Reply(context, 500, "Server Internal Error", default);
            }

            return;
        }

        var origin = context.Origin;
        lock (transaction.Gate)
        {
            if (origin != RouteOrigin.Received)
            {
                transaction.RunningRoutes--;
            }

            // A route that suspended the transaction has handed it over (to TContinue, a timer, a
            // timeout); one that runs on it now (a resume that overtook this route's end) settles it.
            if (context.DidSuspend || transaction.RunningRoutes > 0
                || transaction.FinalSent || transaction.State == ServerState.Terminated || transaction.Suspension != SuspendState.None)
            {
                return;
            }

            var pendingBranches = transaction.Branches.Exists(b => !b.Completed);
            if (failed)
            {
                _ctx.Layer.Server.SendLocalReplyLocked(transaction, context.Message, 500, "Server Internal Error");
                return;
            }

            if (pendingBranches)
            {
                return; // a relay is under way: its replies decide
            }

            if (context.Relayed)
            {
                // What this route relayed has already failed while it still ran (a datagram that came
                // back ICMP unreachable, a connection refused at once): the "every branch failed"
                // handler was queued behind this turn and settles it (failure route or best reply).
                return;
            }

            if (origin == RouteOrigin.Failure)
            {
                _ctx.Layer.Server.SendBestLocked(transaction);
            }
            else if (context.Replied && origin == RouteOrigin.Received)
            {
                _ctx.Layer.Server.ScheduleDelete(transaction, _ctx.WaitTime); // answered statelessly: nothing left to do but absorb retransmissions
            }
            else
            {
                // Every transaction ends: one left without reply, relay or suspension is answered here.
                _ctx.Layer.Server.SendLocalReplyLocked(transaction, context.Message, 500, "Server Internal Error");
            }
        }
    }
}
