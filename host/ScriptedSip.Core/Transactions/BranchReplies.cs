using System.Buffers.Text;
using System.Net;
using Microsoft.Extensions.Logging;
using ScriptedSip.Core.Messages;
using ScriptedSip.Core.Parsing;
using ScriptedSip.Core.Routing;
using ScriptedSip.Core.Stats;
using ScriptedSip.Core.Transport;

namespace ScriptedSip.Core.Transactions;

/// <summary>
/// Replies from the next hops: matched to their branch by our Via branch, run through the reply
/// routes, then relayed upstream (provisionals, 2xx at once) or collected until every branch has
/// ended (§16.7). Replies that match no transaction go on statelessly by their Via.
/// </summary>
internal sealed class BranchReplies
{
    private readonly TransactionContext _ctx;

    public BranchReplies(TransactionContext ctx) => _ctx = ctx;

    /// <summary>
    /// Handles a received reply: reply_route (and the TOnReply route) run first and may Drop() it;
    /// then provisionals are relayed, a 2xx is relayed at once, negative finals are collected
    /// until every branch has ended (§16.7). Replies that match no transaction go on statelessly
    /// by their Via, except stray negative replies to our own branches, which are dropped.
    /// </summary>
    public void HandleReply(InboundMessage context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var message = context.Message;
        var ours = TryParseOurBranch(message.Span(message.TopVia.Branch), out var index, out var branchKey, out var number);
        if (ours && message.CSeqMethodKind == SipMethod.Cancel)
        {
            return; // the answer to a CANCEL we sent: it ends there (hop by hop)
        }

        var transaction = ours ? _ctx.Table.FindByBranchKey(index, branchKey) : null;
        ClientBranch? branch = null;
        if (transaction is not null)
        {
            lock (transaction.Gate)
            {
                branch = number < transaction.Branches.Count ? transaction.Branches[number] : null;
            }
        }

        if (transaction is not null && branch is not null)
        {
            context.AttachTransaction(transaction);
        }

        if (!_ctx.RouteRunner.RunReplyRoutes(context, transaction?.OnReplyRoute))
        {
            return; // dropped by the script
        }

        if (transaction is null || branch is null)
        {
            _ctx.Counters.Increment(SipCounter.RepliesUnmatched);
            if (!ours || message.StatusCode is >= 200 and < 300)
            {
                _ctx.Messages.ReplyRelay.Relay(context); // e.g. a 2xx retransmission after the transaction ended
            }

            return;
        }

        OnBranchReply(context, transaction, branch);
    }

    private void OnBranchReply(InboundMessage context, SipTransaction transaction, ClientBranch branch)
    {
        var message = context.Message;
        var status = message.StatusCode;
        bool allFailed = false;
        lock (transaction.Gate)
        {
            if (transaction.State == ServerState.Terminated)
            {
                return;
            }

            if (branch.Completed)
            {
                // A retransmitted final: re-ACK a negative one, relay a 2xx again (the UAC must see it to ACK it).
                if (status >= 300 && transaction.IsInvite)
                {
                    ClientBranches.SendAckLocked(branch, ToHeader(message));
                }
                else if (status is >= 200 and < 300)
                {
                    RelayUpstreamLocked(context, transaction, status);
                }

                return;
            }

            if (status < 200)
            {
                var first = branch.Status == 0;
                branch.Status = Math.Max(branch.Status, status);
                if (first && transaction.IsInvite)
                {
                    _ctx.Cancel(branch.RetransmitTimer); // Timer A stops at the first provisional
                    _ctx.Cancel(branch.TimeoutTimer);
                    branch.TimeoutTimer = _ctx.Wheel.Schedule(TimeSpan.FromMilliseconds(_ctx.Options.FrInvTimerMs), static s => ClientBranches.OnBranchTimeout((ClientBranch)s!), branch);
                }

                if (branch.CancelPending)
                {
                    ClientBranches.SendCancelLocked(branch);
                }

                if (status > 100 && !transaction.FinalSent)
                {
                    RelayUpstreamLocked(context, transaction, status);
                }

                return;
            }

            branch.Status = status;
            _ctx.StopBranchTimers(branch);
            if (status < 300)
            {
                // Read before the relay: sending the final ends an await's hold.
                var noRoute = transaction.Suspension == SuspendState.None && transaction.RunningRoutes == 0;
                RelayUpstreamLocked(context, transaction, status);
                CancelOtherBranchesLocked(transaction);
                branch.KeepOnlyStartLine();
                if (noRoute && transaction.FinalSent)
                {
                    transaction.KeepOnlyStartLine();
                }

                return;
            }

            if (transaction.IsInvite)
            {
                ClientBranches.SendAckLocked(branch, ToHeader(message));
            }

            ClientBranches.ConsiderBestLocked(transaction, status, message.GetString(message.Reason), StripOurVia(context));
            if (status == 503)
            {
                ClientBranches.TryFailoverLocked(branch); // RFC 3263 §4.3: a 503 sends the request to the next DNS target
            }

            if (status >= 600)
            {
                CancelOtherBranchesLocked(transaction); // §16.7 step 5: a 6xx ends the fork
            }

            allFailed = !transaction.FinalSent && transaction.Branches.TrueForAll(b => b.Completed);
        }

        if (allFailed)
        {
            _ctx.Layer.Client.OnAllBranchesFailed(transaction);
        }
    }

    /// <summary>CANCEL for every branch still pending (a provisional came: now; none yet: once one comes, §9.1).</summary>
    private static void CancelOtherBranchesLocked(SipTransaction transaction)
    {
        foreach (var other in transaction.Branches)
        {
            if (!other.Completed && other.Status >= 100)
            {
                ClientBranches.SendCancelLocked(other);
            }
            else if (!other.Completed)
            {
                other.CancelPending = true;
            }
        }
    }

    private void RelayUpstreamLocked(InboundMessage context, SipTransaction transaction, int status)
    {
        if (StripOurVia(context) is { } stripped)
        {
            _ctx.Layer.Server.SendUpstreamLocked(transaction, stripped, status);
            _ctx.Counters.Increment(SipCounter.ForwardedReplies);
        }
    }

    /// <summary>
    /// The reply without our top Via, ready to go upstream, with the header edits its reply routes
    /// made (<c>RemoveHf</c>, <c>AppendHf</c>, ...): the editor keeps them when a route used it.
    /// Called once per received reply.
    /// </summary>
    private static byte[]? StripOurVia(InboundMessage context)
    {
        var editor = context.Editor();
        editor.RemoveTopVia();
        var output = OutputBuffer.Message;
        var length = editor.WriteTo(output);
        return length < 0 ? null : output.AsSpan(0, length).ToArray();
    }

    private static ReadOnlySpan<byte> ToHeader(SipMessage message)
    {
        var index = message.FindHeader(HeaderKind.To);
        return index < 0 ? default : message.Span(message.Header(index).Value);
    }

    /// <summary>Our branches look like <c>z9hG4bK{index:x}.{branchKey:x}.{number}</c>.</summary>
    internal static bool TryParseOurBranch(ReadOnlySpan<byte> branch, out uint index, out uint branchKey, out int number)
    {
        index = 0;
        branchKey = 0;
        number = 0;
        if (!branch.StartsWith("z9hG4bK"u8))
        {
            return false;
        }

        var rest = branch[7..];
        var dot1 = rest.IndexOf((byte)'.');
        if (dot1 <= 0 || !Utf8Parser.TryParse(rest[..dot1], out index, out var used1, 'x') || used1 != dot1)
        {
            return false;
        }

        rest = rest[(dot1 + 1)..];
        var dot2 = rest.IndexOf((byte)'.');
        if (dot2 <= 0 || !Utf8Parser.TryParse(rest[..dot2], out branchKey, out var used2, 'x') || used2 != dot2)
        {
            return false;
        }

        rest = rest[(dot2 + 1)..];
        return Utf8Parser.TryParse(rest, out number, out var used3) && used3 == rest.Length && number >= 0;
    }
}
