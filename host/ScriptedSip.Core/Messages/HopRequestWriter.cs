using ScriptedSip.Core.Parsing;

namespace ScriptedSip.Core.Messages;

/// <summary>
/// Writes the hop-by-hop requests a stateful proxy sends on its own for a forwarded INVITE:
/// the ACK for a non-2xx final reply (RFC 3261 §17.1.1.3) and CANCEL (§9.1). Both copy the
/// INVITE's Request-URI, top Via (same branch), Route set, From, Call-ID and CSeq number.
/// </summary>
public static class HopRequestWriter
{
    /// <param name="invite">The INVITE as we forwarded it.</param>
    /// <param name="ack">True for ACK (To from the reply), false for CANCEL (To from the INVITE).</param>
    /// <param name="replyTo">The whole To header value of the final reply (ACK only).</param>
    public static int Write(SipMessage invite, bool ack, ReadOnlySpan<byte> replyTo, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(invite);
        var method = ack ? "ACK"u8 : "CANCEL"u8;
        var w = new ByteWriter(destination);
        w.Write(method);
        w.Write((byte)' ');
        w.Write(invite.Span(invite.RequestUri));
        w.Write(" SIP/2.0\r\nVia: "u8);
        w.Write(invite.Span(invite.TopVia.Whole));
        w.Write("\r\n"u8);
        for (var i = invite.FindHeader(HeaderKind.Route); i >= 0; i = invite.FindHeader(HeaderKind.Route, i + 1))
        {
            w.Write("Route: "u8);
            w.Write(invite.Span(invite.Header(i).Value));
            w.Write("\r\n"u8);
        }

        w.Write("Max-Forwards: 70\r\nFrom: "u8);
        WriteValue(ref w, invite, HeaderKind.From);
        w.Write("\r\nTo: "u8);
        if (ack && !replyTo.IsEmpty)
        {
            w.Write(replyTo);
        }
        else
        {
            WriteValue(ref w, invite, HeaderKind.To);
        }

        w.Write("\r\nCall-ID: "u8);
        w.Write(invite.Span(invite.CallId));
        w.Write("\r\nCSeq: "u8);
        w.WriteNumber(invite.CSeqNumber);
        w.Write((byte)' ');
        w.Write(method);
        w.Write("\r\nContent-Length: 0\r\n\r\n"u8);
        return w.Result;
    }

    private static void WriteValue(ref ByteWriter w, SipMessage message, HeaderKind kind)
    {
        var index = message.FindHeader(kind);
        if (index >= 0)
        {
            w.Write(message.Span(message.Header(index).Value));
        }
    }
}
