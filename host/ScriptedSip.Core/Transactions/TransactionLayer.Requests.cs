using ScriptedSip.Core.Messages;
using ScriptedSip.Core.Parsing;
using ScriptedSip.Core.Stats;
using ScriptedSip.Core.Transport;

namespace ScriptedSip.Core.Transactions;

/// <summary>Requests that belong to an existing transaction: retransmissions, ACK for a negative final, CANCEL.</summary>
public sealed partial class TransactionLayer
{
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
                Cancel(transaction, message, datagram);
                return true;
            case SipMethod.Ack when transaction.IsInvite:
                return AbsorbAck(transaction);
            case var method when method == transaction.Method:
                Counters.Increment(SipCounter.RetransmissionsAbsorbed);
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

    private bool AbsorbAck(SipTransaction transaction)
    {
        lock (transaction.Gate)
        {
            switch (transaction.State)
            {
                case ServerState.Completed:
                    // Timer I: linger for ACK retransmissions, then go.
                    transaction.State = ServerState.Confirmed;
                    ScheduleDelete(transaction, WaitTime);
                    return true;
                case ServerState.Confirmed:
                    return true;
                default:
                    // An ACK for a 2xx with the INVITE's branch (RFC 2543 style): it is end-to-end, the script forwards it.
                    return false;
            }
        }
    }

    /// <summary>CANCEL of a pending INVITE (RFC 3261 §16.10): 200 for the CANCEL, CANCEL on every pending branch, 487 when nothing downstream will answer.</summary>
    private void Cancel(SipTransaction transaction, SipMessage cancel, InboundDatagram datagram)
    {
        ReplyToCancel(cancel, datagram);
        lock (transaction.Gate)
        {
            if (transaction.FinalSent || transaction.State == ServerState.Terminated)
            {
                return;
            }

            transaction.Canceled = true;
            var waiting = transaction.Suspension != SuspendState.None;
            EndSuspensionLocked(transaction);
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
                WithRequest(transaction, request => SendLocalReplyLocked(transaction, request, 487, "Request Terminated"));
            }
        }
    }

    private void ReplyToCancel(SipMessage cancel, InboundDatagram datagram)
    {
        var buffer = OutputBuffer.Local;
        var length = _messages.Replier.Write(cancel, datagram.Source, 200, "OK", default, buffer);
        if (length > 0)
        {
            var sent = datagram.Transport.Send(buffer.AsSpan(0, length), StatelessReplier.Destination(cancel, datagram.Source));
            Counters.ReplySent(200, sent);
        }
    }

    private static void SendCancelLocked(ClientBranch branch)
    {
        if (branch.CancelSent)
        {
            return;
        }

        branch.CancelSent = true;
        branch.CancelPending = false;
        SendHopRequestLocked(branch, ack: false, default);
    }

    private static void SendAckLocked(ClientBranch branch, ReadOnlySpan<byte> replyToHeader) =>
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
}
