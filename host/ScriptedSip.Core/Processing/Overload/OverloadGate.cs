using ScriptedSip.Core.Messages;
using ScriptedSip.Core.Parsing;
using ScriptedSip.Core.Stats;
using ScriptedSip.Core.Transport;

namespace ScriptedSip.Core.Processing.Overload;

/// <summary>
/// Where a request that no transaction absorbed is stopped before its route runs. While the
/// server is overloaded (<see cref="OverloadMonitor"/> says so) a new INVITE — no To tag, no
/// transaction — is answered <c>503 Service Unavailable</c> with Retry-After, statelessly: parsing
/// and one reply instead of a route, a transaction and a relay, so the capacity goes to the calls
/// already in progress. The ACK of such a stateless final reply (and of any other stateless reply,
/// recognised by the To tag we derived for it) is absorbed here, as Kamailio's sl module does,
/// instead of reaching the route. Everything else passes; with no overload the cost is one
/// volatile read and, for ACKs only, a tag comparison.
/// </summary>
public sealed class OverloadGate
{
    private volatile bool _shedding;
    private byte[] _retryAfter = BuildRetryAfter(5);

    /// <summary>True while new INVITEs are refused.</summary>
    public bool Shedding => _shedding;

    /// <summary>The Retry-After of the 503 (seconds).</summary>
    public int RetryAfterSeconds
    {
        set => _retryAfter = BuildRetryAfter(value);
    }

    internal void SetShedding(bool shedding) => _shedding = shedding;

    /// <summary>True when the request was answered or absorbed here; the caller releases the datagram.</summary>
    public bool TryStop(SipMessage request, InboundDatagram datagram, MessageServices messages, SipCounters counters)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(datagram);
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(counters);
        if (request.Method == SipMethod.Ack)
        {
            if (!IsAckOfStatelessReply(request, messages.Replier.TagSecret))
            {
                return false;
            }

            counters.Increment(SipCounter.FilteredAcks);
            return true;
        }

        if (!_shedding || request.Method != SipMethod.Invite || !request.To.Tag.IsEmpty)
        {
            return false;
        }

        var buffer = OutputBuffer.Message;
        var length = messages.Replier.Write(request, datagram.Source, 503, "Service Unavailable", _retryAfter, buffer);
        var sent = length > 0 && datagram.Transport.Send(buffer.AsSpan(0, length), StatelessReplier.Destination(request, datagram.Source));
        counters.ReplySent(503, sent);
        counters.Increment(SipCounter.OverloadRefused);
        return true;
    }

    private static bool IsAckOfStatelessReply(SipMessage ack, uint secret)
    {
        var tag = ack.Span(ack.To.Tag);
        if (tag.Length != StatelessToTag.Length)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[StatelessToTag.Length];
        StatelessToTag.Write(ack, secret, expected);
        return tag.SequenceEqual(expected);
    }

    private static byte[] BuildRetryAfter(int seconds) =>
        System.Text.Encoding.ASCII.GetBytes($"Retry-After: {seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}\r\n");
}
