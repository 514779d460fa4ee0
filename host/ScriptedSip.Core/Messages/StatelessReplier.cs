using System.Net;
using ScriptedSip.Core.Parsing;
using ScriptedSip.Core.Stats;
using ScriptedSip.Core.Transport;

namespace ScriptedSip.Core.Messages;

/// <summary>
/// Stateless replies (Kamailio's sl_send_reply): written from the request, addressed by RFC 3261
/// §18.2.2 with RFC 3581 rport, sent on the transport the request came on, not remembered.
/// </summary>
public sealed class StatelessReplier
{
    private readonly uint _tagSecret;
    private readonly SipCounters _counters;

    public StatelessReplier(uint tagSecret, SipCounters counters)
    {
        _tagSecret = tagSecret;
        _counters = counters;
    }

    /// <summary>Mixed into stateless To-tags so they differ between processes but stay stable for retransmissions.</summary>
    public uint TagSecret => _tagSecret;

    /// <summary>Replies to the message's request. False for ACK (never answered) or when it cannot be written or sent.</summary>
    public bool Reply(InboundMessage message, int code, string reason, ReadOnlySpan<byte> extraHeaders)
    {
        ArgumentNullException.ThrowIfNull(message);
        var request = message.Message;
        if (request.Method == SipMethod.Ack)
        {
            return false;
        }

        var buffer = OutputBuffer.Message;
        var length = Write(request, message.Source, code, reason, extraHeaders, buffer);
        if (length < 0)
        {
            return false;
        }

        var sent = message.Transport.Send(buffer.AsSpan(0, length), Destination(request, message.Source, message.Transport));
        message.MarkReplied(sent);
        _counters.ReplySent(code, sent);
        return sent;
    }

    /// <summary>Writes a reply to <paramref name="request"/> received from <paramref name="source"/>; the length, or -1.</summary>
    public int Write(SipMessage request, SocketAddress source, int code, string reason, ReadOnlySpan<byte> extraHeaders, byte[] buffer)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(source);
        Span<byte> ip = stackalloc byte[64];
        var ipLength = SocketAddressText.FormatIp(source, ip);
        Span<byte> tag = stackalloc byte[StatelessToTag.Length];
        StatelessToTag.Write(request, _tagSecret, tag);
        return SipReplyWriter.WriteReply(request, code, reason, tag, ip[..Math.Max(ipLength, 0)], SocketAddressText.Port(source), extraHeaders, buffer);
    }

    /// <summary>
    /// RFC 3261 §18.2.2: over a connection (TCP, TLS) the reply goes back on it, so to the source as it
    /// is; over UDP see <see cref="Destination(SipMessage, SocketAddress)"/>.
    /// </summary>
    public static SocketAddress Destination(SipMessage request, SocketAddress source, ISipTransport receivedOn)
    {
        ArgumentNullException.ThrowIfNull(receivedOn);
        if (!receivedOn.IsReliable)
        {
            return Destination(request, source);
        }

        ArgumentNullException.ThrowIfNull(source);
        var target = OutputBuffer.Address(source.Family);
        source.Buffer.Span[..source.Size].CopyTo(target.Buffer.Span);
        target.Size = source.Size;
        return target;
    }

    /// <summary>
    /// RFC 3261 §18.2.2 with RFC 3581: the source IP, and the source port only when rport was asked
    /// for (else the Via port, else 5060). A scratch address of this thread: use it at once.
    /// </summary>
    public static SocketAddress Destination(SipMessage request, SocketAddress source)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(source);
        var target = OutputBuffer.Address(source.Family);
        source.Buffer.Span[..source.Size].CopyTo(target.Buffer.Span);
        target.Size = source.Size;
        var via = request.TopVia;
        if (!via.HasRport)
        {
            SocketAddressText.SetPort(target, via.Port > 0 ? via.Port : 5060);
        }

        return target;
    }
}
