using System.Buffers;
using System.Buffers.Text;

namespace ScriptedSip.Core.Transport.Streams;

/// <summary>What <see cref="StreamFramer.Next"/> found at the start of the received bytes.</summary>
internal enum FrameKind
{
    /// <summary>Not enough bytes yet for a whole message (or a decision).</summary>
    NeedMore,

    /// <summary>A whole SIP message of <see cref="Frame.Length"/> bytes.</summary>
    Message,

    /// <summary>A double CRLF keep-alive ping (RFC 5626 §4.4.1): answered with a single CRLF.</summary>
    Ping,

    /// <summary>A single CRLF: a pong to our ping, or a stray line end before a message (RFC 3261 §7.5); skipped.</summary>
    Pong,

    /// <summary>Bytes that cannot be framed: the connection is closed (after a 400 when <see cref="Frame.CanReply"/>).</summary>
    Error,
}

/// <summary>The result of framing: its kind, the bytes it covers, and for an error why and whether a 400 can be written.</summary>
internal readonly record struct Frame(FrameKind Kind, int Length, string? Error = null, bool CanReply = false)
{
    public static Frame More => new(FrameKind.NeedMore, 0);
}

/// <summary>
/// Cuts SIP messages out of a byte stream (RFC 3261 §18.3): the header section ends at the first
/// empty line, and Content-Length, mandatory on a stream, says how many body bytes follow. Checks
/// the limits that keep one connection from holding unbounded memory: a header section must end,
/// and a whole message must fit, within <c>Sip:MaxMessageSize</c>. Stateless: the caller keeps the
/// unconsumed bytes and calls again when more arrive.
/// </summary>
internal static class StreamFramer
{
    private static ReadOnlySpan<byte> EndOfHeaders => "\r\n\r\n"u8;

    public static Frame Next(in ReadOnlySequence<byte> buffer, int maxMessageSize)
    {
        if (buffer.IsEmpty)
        {
            return Frame.More;
        }

        var first = buffer.FirstSpan;
        if (first[0] == (byte)'\r')
        {
            return KeepAlive(buffer);
        }

        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> headers, EndOfHeaders, advancePastDelimiter: true))
        {
            // No empty line yet: decide early on a start line that is no SIP, else wait for at most MaxMessageSize.
            var line = StartLineProblem(buffer, complete: false);
            if (line is not null)
            {
                return new Frame(FrameKind.Error, 0, line);
            }

            return buffer.Length > maxMessageSize
                ? new Frame(FrameKind.Error, 0, $"no end of the header section within {maxMessageSize} bytes (Sip:MaxMessageSize)")
                : Frame.More;
        }

        var headerLength = (int)Math.Min(int.MaxValue, reader.Consumed);
        if (headerLength > maxMessageSize)
        {
            return new Frame(FrameKind.Error, 0, $"header section of {headerLength} bytes is larger than Sip:MaxMessageSize ({maxMessageSize})");
        }

        var startLine = StartLineProblem(headers, complete: true);
        if (startLine is not null)
        {
            return new Frame(FrameKind.Error, 0, startLine);
        }

        var contentLength = FindContentLength(buffer.Slice(0, headerLength), out var problem);
        if (problem is not null)
        {
            return new Frame(FrameKind.Error, headerLength, problem, CanReply: true);
        }

        if ((long)headerLength + contentLength > maxMessageSize)
        {
            return new Frame(FrameKind.Error, headerLength, $"Content-Length {contentLength} makes the message larger than Sip:MaxMessageSize ({maxMessageSize})", CanReply: true);
        }

        var total = headerLength + (int)contentLength;
        return buffer.Length >= total ? new Frame(FrameKind.Message, total) : Frame.More;
    }

    /// <summary>CRLF CRLF is a ping; a lone CRLF is a pong or a stray line end (§7.5 allows them before a message).</summary>
    private static Frame KeepAlive(in ReadOnlySequence<byte> buffer)
    {
        Span<byte> head = stackalloc byte[4];
        var available = (int)Math.Min(4, buffer.Length);
        buffer.Slice(0, available).CopyTo(head);
        if (available >= 2 && head[1] != (byte)'\n')
        {
            return new Frame(FrameKind.Error, 0, "a CR not followed by LF before the start line");
        }

        if (available == 4 && head.SequenceEqual(EndOfHeaders))
        {
            return new Frame(FrameKind.Ping, 4);
        }

        // A third byte that is no CR already rules out a ping: waiting for a fourth would hold back a
        // decision (a refusal of that byte) until the peer sends more.
        if (available == 2 || (available >= 3 && head[2] != (byte)'\r'))
        {
            return new Frame(FrameKind.Pong, 2);
        }

        // "\r\n\r" or "\r\n\r?": wait for the fourth byte.
        return available < 4 ? Frame.More : new Frame(FrameKind.Pong, 2);
    }

    /// <summary>
    /// Null when the first line may be a SIP start line. Binary bytes (a TLS client hello sent to a TCP
    /// port starts with 0x16) are refused as soon as they are seen; a complete first line must name SIP/2.0.
    /// </summary>
    private static string? StartLineProblem(in ReadOnlySequence<byte> bytes, bool complete)
    {
        var reader = new SequenceReader<byte>(bytes);
        var hasLine = reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n');
        if (!hasLine)
        {
            line = bytes.Slice(0, Math.Min(bytes.Length, 256));
        }

        foreach (var segment in line)
        {
            foreach (var b in segment.Span)
            {
                if (b < 0x20 && b is not ((byte)'\t' or (byte)'\r'))
                {
                    return $"binary data where a start line belongs (first byte 0x{bytes.FirstSpan[0]:x2}; a TLS handshake on a TCP port?)";
                }
            }
        }

        if (!hasLine && !complete)
        {
            return null;
        }

        if (!hasLine)
        {
            line = bytes;
        }

        Span<byte> text = stackalloc byte[Math.Min((int)line.Length, 512)];
        line.Slice(0, text.Length).CopyTo(text);
        return text.StartsWith("SIP/2.0 "u8) || text.TrimEnd("\r"u8).EndsWith(" SIP/2.0"u8)
            ? null
            : "no SIP start line (neither 'METHOD URI SIP/2.0' nor 'SIP/2.0 CODE REASON')";
    }

    /// <summary>The Content-Length value (full or compact name <c>l</c>), or a problem: missing, not a number, negative.</summary>
    private static long FindContentLength(in ReadOnlySequence<byte> headerSection, out string? problem)
    {
        byte[]? rented = null;
        ReadOnlySpan<byte> section;
        if (headerSection.IsSingleSegment)
        {
            section = headerSection.FirstSpan;
        }
        else
        {
            rented = ArrayPool<byte>.Shared.Rent((int)headerSection.Length);
            headerSection.CopyTo(rented);
            section = rented.AsSpan(0, (int)headerSection.Length);
        }

        try
        {
            return FindContentLength(section, out problem);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static long FindContentLength(ReadOnlySpan<byte> section, out string? problem)
    {
        var firstLineEnd = section.IndexOf((byte)'\n');
        var rest = section[(firstLineEnd + 1)..];
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf((byte)'\n');
            var line = (end < 0 ? rest : rest[..end]).TrimEnd((byte)'\r');
            rest = end < 0 ? default : rest[(end + 1)..];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                continue;
            }

            var name = line[..colon].Trim(" \t"u8);
            if (!System.Text.Ascii.EqualsIgnoreCase(name, "Content-Length"u8) && !System.Text.Ascii.EqualsIgnoreCase(name, "l"u8))
            {
                continue;
            }

            var value = line[(colon + 1)..].Trim(" \t"u8);
            if (value.IsEmpty || value[0] is (byte)'-' or (byte)'+' || !Utf8Parser.TryParse(value, out long length, out var consumed) || consumed != value.Length)
            {
                problem = $"Content-Length '{System.Text.Encoding.ASCII.GetString(value[..Math.Min(value.Length, 32)])}' is not a number of bytes";
                return 0;
            }

            problem = null;
            return length;
        }

        problem = "no Content-Length (mandatory on a stream, RFC 3261 §18.3)";
        return 0;
    }
}
