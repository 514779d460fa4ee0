using System.Net;
using Microsoft.Extensions.Logging;
using ScriptedSip.Core.Messages;
using ScriptedSip.Core.Parsing;
using ScriptedSip.Core.Routing;
using ScriptedSip.Core.Stats;
using ScriptedSip.Core.Transport;

namespace ScriptedSip.Core.Transactions;

/// <summary>
/// The server side of the transactions (RFC 3261 §17.2): creating them (t_newtran), replies of our
/// own and relayed ones going upstream and kept for retransmissions, Timer G/H for negative INVITE
/// finals, the linger before deletion (Kamailio's wt_timer), and the graceful-stop 503.
/// </summary>
internal sealed class ServerTransactions
{
    private readonly TransactionContext _ctx;

    public ServerTransactions(TransactionContext ctx) => _ctx = ctx;

    /// <summary>The transaction of the context's request, created if needed (t_newtran). Null for ACK or non-requests.</summary>
    public SipTransaction? Ensure(InboundMessage context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Transaction is { } existing)
        {
            return existing;
        }

        var message = context.Message;
        if (!message.IsRequest || message.Method == SipMethod.Ack)
        {
            return null;
        }

        var key = ServerKey.From(message);
        var source = SharedAddresses.CopyOf(context.Source); // shared with this thread's other transactions from the same peer: never changed
        var replyTo = source;
        // Over TCP/TLS the reply goes back on the request's connection (RFC 3261 §18.2.2): its source.
        // Usually the Via port is the source port too: then both are one object (neither changes
        // after this), which a finished transaction holds for its last seconds.
        var viaPort = message.TopVia.Port > 0 ? message.TopVia.Port : 5060;
        if (!message.TopVia.HasRport && !context.Transport.IsReliable && viaPort != SocketAddressText.Port(source))
        {
            replyTo = SocketAddressText.Copy(context.Source);
            SocketAddressText.SetPort(replyTo, viaPort);
        }

        var transaction = _ctx.Table.GetOrAdd(key, message, source, replyTo, context.Transport, out var created);
        if (created)
        {
            transaction.Layer = _ctx.Layer;
            _ctx.Counters.Increment(SipCounter.TransactionsCreated);
        }

        context.AttachTransaction(transaction);
        return transaction;
    }

    /// <summary>t_reply: a reply from the script, sent statefully (re-sent on retransmissions).</summary>
    public bool Reply(InboundMessage context, int code, string reason)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.IsStale)
        {
            TransactionLog.StaleAction(_ctx.Logger, context.LogTag, "TReply");
            return false;
        }

        var transaction = Ensure(context);
        if (transaction is null)
        {
            return false;
        }

        lock (transaction.Gate)
        {
            if (transaction.FinalSent)
            {
                TransactionLog.AlreadyFinal(_ctx.Logger, context.LogTag, code);
                return false;
            }

            return SendLocalReplyLocked(transaction, context.Message, code, reason, context.ReplyHeaders);
        }
    }

    /// <summary>t_check_trans: true when the request belongs to an existing transaction.</summary>
    public bool CheckTransaction(InboundMessage context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var message = context.Message;
        return message.IsRequest && _ctx.Table.Find(ServerKey.From(message)) is not null;
    }

    /// <summary>Graceful stop: every transaction without a final reply gets 503.</summary>
    public void Shutdown()
    {
        foreach (var transaction in _ctx.Table.Snapshot())
        {
            lock (transaction.Gate)
            {
                if (transaction.FinalSent || transaction.State == ServerState.Terminated)
                {
                    continue;
                }

                _ctx.EndSuspensionLocked(transaction);
                foreach (var branch in transaction.Branches)
                {
                    _ctx.StopBranchTimers(branch);
                }

                TransactionContext.WithRequest(transaction, request => SendLocalReplyLocked(transaction, request, 503, "Service Unavailable"));
                _ctx.Counters.Increment(SipCounter.ShutdownReplies);
            }
        }
    }

    /// <summary>Writes, remembers and sends a reply of our own to the transaction's request. Caller holds the gate.</summary>
    internal bool SendLocalReplyLocked(SipTransaction transaction, SipMessage request, int code, string reason) =>
        SendLocalReplyLocked(transaction, request, code, reason, default);

    /// <summary>As above, with header lines the script added (AppendToReply). Caller holds the gate.</summary>
    internal bool SendLocalReplyLocked(SipTransaction transaction, SipMessage request, int code, string reason, ReadOnlySpan<byte> extraHeaders)
    {
        var buffer = OutputBuffer.Local;
        var length = _ctx.Messages.Replier.Write(request, transaction.Source, code, reason, extraHeaders, buffer);
        if (length < 0)
        {
            return false;
        }

        return SendUpstreamLocked(transaction, buffer.AsSpan(0, length).ToArray(), code);
    }

    /// <summary>Sends a reply upstream, keeps it (the array itself, no copy) for retransmissions, and moves the server side on when it is final.</summary>
    internal bool SendUpstreamLocked(SipTransaction transaction, byte[] reply, int code)
    {
        if (transaction.State == ServerState.Terminated)
        {
            return false;
        }

        transaction.LastReply = reply;
        if (code >= 200 && transaction.LastStatus < 200)
        {
            _ctx.Counters.FinalReplySent(transaction.Method, System.Diagnostics.Stopwatch.GetElapsedTime(transaction.CreatedAt).TotalSeconds);
        }

        transaction.LastStatus = Math.Max(transaction.LastStatus, code);
        var sent = transaction.Transport.Send(reply, transaction.ReplyTo);
        _ctx.Counters.ReplySent(code, sent);
        if (code >= 200)
        {
            OnFinalSentLocked(transaction, code);
        }

        return sent;
    }

    private void OnFinalSentLocked(SipTransaction transaction, int code)
    {
        _ctx.EndSuspensionLocked(transaction);
        _ctx.Cancel(transaction.ServerTimer);
        if (transaction.IsInvite && code >= 300)
        {
            // Timer G re-sends the final reply until the ACK comes; Timer H gives up after 64*_ctx.T1.
            transaction.State = ServerState.Completed;
            transaction.ReplyRetransmitMs = _ctx.Options.T1Ms;
            transaction.CompletedAt = _ctx.Wheel.Time.GetTimestamp();
            transaction.ServerTimer = _ctx.Wheel.Schedule(_ctx.T1, static s => ((SipTransaction)s!).Layer!.Server.OnTimerG((SipTransaction)s!), transaction);
        }
        else
        {
            transaction.State = ServerState.Accepted;
            ScheduleDelete(transaction, _ctx.WaitTime);
        }
    }

    internal void OnTimerG(SipTransaction transaction)
    {
        lock (transaction.Gate)
        {
            if (transaction.State != ServerState.Completed)
            {
                return;
            }

            if (_ctx.Wheel.Time.GetElapsedTime(transaction.CompletedAt) >= 64 * _ctx.T1)
            {
                DeleteLocked(transaction); // Timer H: the ACK never came
                return;
            }

            if (transaction.LastReply is { } reply)
            {
                transaction.Transport.Send(reply, transaction.ReplyTo);
            }

            transaction.ReplyRetransmitMs = Math.Min(transaction.ReplyRetransmitMs * 2, (int)_ctx.T2.TotalMilliseconds);
            transaction.ServerTimer = _ctx.Wheel.Schedule(TimeSpan.FromMilliseconds(transaction.ReplyRetransmitMs), static s => ((SipTransaction)s!).Layer!.Server.OnTimerG((SipTransaction)s!), transaction);
        }
    }

    internal void ScheduleDelete(SipTransaction transaction, TimeSpan after)
    {
        _ctx.Cancel(transaction.ServerTimer);
        transaction.ServerTimer = _ctx.Wheel.Schedule(after, static s => ((SipTransaction)s!).Layer!.Server.Delete((SipTransaction)s!), transaction);
    }

    internal void Delete(SipTransaction transaction)
    {
        lock (transaction.Gate)
        {
            DeleteLocked(transaction);
        }
    }

    internal void DeleteLocked(SipTransaction transaction)
    {
        if (transaction.State == ServerState.Terminated)
        {
            return;
        }

        transaction.State = ServerState.Terminated;
        _ctx.EndSuspensionLocked(transaction);
        _ctx.Cancel(transaction.ServerTimer);
        foreach (var branch in transaction.Branches)
        {
            _ctx.StopBranchTimers(branch);
        }

        _ctx.Table.Remove(transaction);
    }

    internal void SendBestLocked(SipTransaction transaction)
    {
        if (transaction.BestReply is { } reply)
        {
            SendUpstreamLocked(transaction, reply, transaction.BestStatus);
            _ctx.Counters.Increment(SipCounter.ForwardedReplies);
        }
        else
        {
            var status = transaction.BestStatus == 0 ? 500 : transaction.BestStatus;
            var reason = transaction.BestReason ?? "Server Internal Error";
            TransactionContext.WithRequest(transaction, request => SendLocalReplyLocked(transaction, request, status, reason));
        }
    }

    internal bool AbsorbAck(SipTransaction transaction)
    {
        lock (transaction.Gate)
        {
            switch (transaction.State)
            {
                case ServerState.Completed:
                    // Timer I: linger for ACK retransmissions, then go.
                    transaction.State = ServerState.Confirmed;
                    ScheduleDelete(transaction, _ctx.WaitTime);
                    return true;
                case ServerState.Confirmed:
                    return true;
                default:
                    // An ACK for a 2xx with the INVITE's branch (RFC 2543 style): it is end-to-end, the script forwards it.
                    return false;
            }
        }
    }

    internal void ReplyToCancel(SipMessage cancel, InboundDatagram datagram)
    {
        var buffer = OutputBuffer.Local;
        var length = _ctx.Messages.Replier.Write(cancel, datagram.Source, 200, "OK", default, buffer);
        if (length > 0)
        {
            var sent = datagram.Transport.Send(buffer.AsSpan(0, length), StatelessReplier.Destination(cancel, datagram.Source, datagram.Transport));
            _ctx.Counters.ReplySent(200, sent);
        }
    }
}
