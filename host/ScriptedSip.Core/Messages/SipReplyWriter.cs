using System.Text;
using ScriptedSip.Core.Parsing;

namespace ScriptedSip.Core.Messages;

/// <summary>Builds stateless responses to a parsed request (RFC 3261 §8.2.6) straight into a caller buffer.</summary>
public static class SipReplyWriter
{
    /// <summary>
    /// Writes <c>SIP/2.0 code reason</c> followed by copies of the request's Via (all, in order), From, To,
    /// Call-ID and CSeq, then <paramref name="extraHeaders"/> verbatim (each line CRLF-terminated), then
    /// <c>Content-Length: 0</c> and the empty line.
    /// <list type="bullet">
    /// <item>Top Via: <c>;received=</c><paramref name="sourceIp"/> is added when the source differs from the
    /// sent-by host (RFC 3261 §18.2.1) or when rport was requested (RFC 3581 §4 requires it then); an existing
    /// received value is replaced. A valueless <c>rport</c> is filled with <paramref name="sourcePort"/>.</item>
    /// <item>To: <c>;tag=</c><paramref name="toTag"/> is appended when <paramref name="code"/> &gt; 100 and the
    /// request's To has no tag (RFC 3261 §8.2.6.2).</item>
    /// </list>
    /// Headers missing from an Invalid request are simply left out, so a 400 can always be produced.
    /// Pass <paramref name="sourceIp"/> as text (IPv6 with or without brackets; written without).
    /// </summary>
    /// <returns>Bytes written, or -1 if <paramref name="destination"/> is too small.</returns>
    public static int WriteReply(
        SipMessage request,
        int code,
        ReadOnlySpan<char> reason,
        ReadOnlySpan<byte> toTag,
        ReadOnlySpan<byte> sourceIp,
        int sourcePort,
        ReadOnlySpan<byte> extraHeaders,
        Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfLessThan(code, 100);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(code, 699);

        var w = new ByteWriter(destination);
        w.Write("SIP/2.0 "u8);
        w.WriteNumber(code);
        w.Write((byte)' ');
        w.WriteSingleLineText(reason);
        w.Write("\r\n"u8);

        WriteVias(ref w, request, StripBrackets(sourceIp), sourcePort);
        CopyFirst(ref w, request, HeaderKind.From, "From: "u8);
        WriteTo(ref w, request, code, toTag);
        CopyFirst(ref w, request, HeaderKind.CallId, "Call-ID: "u8);
        CopyFirst(ref w, request, HeaderKind.CSeq, "CSeq: "u8);

        w.Write(extraHeaders);
        w.Write("Content-Length: 0\r\n\r\n"u8);
        return w.Result;
    }

    private static void WriteVias(ref ByteWriter w, SipMessage request, ReadOnlySpan<byte> sourceIp, int sourcePort)
    {
        var top = request.TopVia;
        bool first = true;
        for (int i = request.FindHeader(HeaderKind.Via); i >= 0; i = request.FindHeader(HeaderKind.Via, i + 1))
        {
            var value = request.Header(i).Value;
            w.Write("Via: "u8);
            if (first && !top.Whole.IsEmpty)
            {
                WriteTopViaValue(ref w, request, value, top, sourceIp, sourcePort);
            }
            else
            {
                w.Write(request.Span(value));
            }

            w.Write("\r\n"u8);
            first = false;
        }
    }

    /// <summary>
    /// Copies the first Via line, splicing in at most two edits in position order: "=port" after a
    /// valueless rport, and the received value (replacing an existing one or appended after the top value).
    /// </summary>
    private static void WriteTopViaValue(ref ByteWriter w, SipMessage request, Segment line, ViaInfo top, ReadOnlySpan<byte> sourceIp, int sourcePort)
    {
        var buf = request.Buffer.Span;
        bool fillRport = top.HasRport && top.Rport < 0 && sourcePort >= 0 && !top.RportParam.IsEmpty;
        bool addReceived = !sourceIp.IsEmpty &&
            (top.HasRport || !Ascii.EqualsIgnoreCase(StripBrackets(request.Span(top.Host)), sourceIp));

        int rportAt = fillRport ? top.RportParam.End : int.MaxValue;
        Segment receivedAt = !addReceived ? new Segment(int.MaxValue, 0)
            : top.Received.IsEmpty ? new Segment(top.Whole.End, 0)
            : top.Received;

        int pos = line.Start;
        if (rportAt <= receivedAt.Start)
        {
            pos = WriteRport(ref w, buf, pos, rportAt, sourcePort);
            pos = WriteReceived(ref w, buf, pos, receivedAt, top.Received.IsEmpty, sourceIp);
        }
        else
        {
            pos = WriteReceived(ref w, buf, pos, receivedAt, top.Received.IsEmpty, sourceIp);
            pos = WriteRport(ref w, buf, pos, rportAt, sourcePort);
        }

        w.Write(buf[pos..line.End]);
    }

    private static int WriteRport(ref ByteWriter w, ReadOnlySpan<byte> buf, int pos, int at, int port)
    {
        if (at == int.MaxValue)
        {
            return pos;
        }

        w.Write(buf[pos..at]);
        w.Write((byte)'=');
        w.WriteNumber(port);
        return at;
    }

    private static int WriteReceived(ref ByteWriter w, ReadOnlySpan<byte> buf, int pos, Segment at, bool append, ReadOnlySpan<byte> ip)
    {
        if (at.Start == int.MaxValue)
        {
            return pos;
        }

        w.Write(buf[pos..at.Start]);
        w.Write(append ? ";received="u8 : default);
        w.Write(ip);
        return at.End;
    }

    private static void WriteTo(ref ByteWriter w, SipMessage request, int code, ReadOnlySpan<byte> toTag)
    {
        int index = request.FindHeader(HeaderKind.To);
        if (index < 0)
        {
            return;
        }

        w.Write("To: "u8);
        w.Write(request.Span(request.Header(index).Value));
        if (code > 100 && request.To.Tag.IsEmpty && !toTag.IsEmpty)
        {
            w.Write(";tag="u8);
            w.Write(toTag);
        }

        w.Write("\r\n"u8);
    }

    private static void CopyFirst(ref ByteWriter w, SipMessage request, HeaderKind kind, ReadOnlySpan<byte> prefix)
    {
        int index = request.FindHeader(kind);
        if (index < 0)
        {
            return;
        }

        w.Write(prefix);
        w.Write(request.Span(request.Header(index).Value));
        w.Write("\r\n"u8);
    }

    private static ReadOnlySpan<byte> StripBrackets(ReadOnlySpan<byte> host) =>
        host.Length >= 2 && host[0] == (byte)'[' && host[^1] == (byte)']' ? host[1..^1] : host;
}
