using System.Text;
using ScriptedSip.Core.Parsing;

namespace ScriptedSip.Core.Tests.Parsing;

/// <summary>
/// What the first line of a datagram alone says about its parse status, decided with plain string
/// tests rather than the parser's code, so a parser that misclassifies input is caught. The first line
/// is what follows the leading CR/LF bytes, up to LF, without a trailing CR (RFC 3261 §7.5, and the
/// parser's documented leniency for bare LF).
/// </summary>
internal static class StartLineShape
{
    /// <summary>A description of what is wrong, or null when the status and the parsed start line fit the input.</summary>
    public static string? FindViolation(byte[] datagram, SipMessage message, SipParseStatus status)
    {
        var line = FirstLine(datagram);
        if (IndexOfIgnoreCase(line, "sip/"u8) < 0 && status != SipParseStatus.NotSip)
        {
            return $"no SIP/ in the first line, yet {status}";
        }

        if (LooksLikeStatusLine(line) && (status == SipParseStatus.NotSip || message.IsRequest))
        {
            return $"the first line starts like a status line, yet {status} (request: {message.IsRequest})";
        }

        if (status != SipParseStatus.Ok)
        {
            return null;
        }

        if (message.IsRequest)
        {
            var method = message.Span(message.MethodToken);
            if (method.IsEmpty || !line.StartsWith(method) || line.Length <= method.Length || line[method.Length] != (byte)' '
                || !Ascii.EqualsIgnoreCase(line[^Math.Min(line.Length, 8)..], " SIP/2.0"u8))
            {
                return $"Ok request, but the first line is not \"{Encoding.Latin1.GetString(method)} ... SIP/2.0\": {Encoding.Latin1.GetString(line)}";
            }
        }
        else if (line.Length < 12 || !Ascii.EqualsIgnoreCase(line[..8], "SIP/2.0 "u8)
                 || Encoding.ASCII.GetString(line[8..11]) != message.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            return $"Ok reply {message.StatusCode}, but the first line is {Encoding.Latin1.GetString(line)}";
        }

        return null;
    }

    private static ReadOnlySpan<byte> FirstLine(byte[] datagram)
    {
        var rest = datagram.AsSpan();
        while (!rest.IsEmpty && rest[0] is (byte)'\r' or (byte)'\n')
        {
            rest = rest[1..];
        }

        var lf = rest.IndexOf((byte)'\n');
        var line = lf < 0 ? rest : rest[..lf];
        return !line.IsEmpty && line[^1] == (byte)'\r' ? line[..^1] : line;
    }

    /// <summary>"SIP/" (any case) and a digit: only a status line starts so (a method token has no '/').</summary>
    private static bool LooksLikeStatusLine(ReadOnlySpan<byte> line) =>
        line.Length > 4 && Ascii.EqualsIgnoreCase(line[..4], "SIP/"u8) && line[4] is >= (byte)'0' and <= (byte)'9';

    private static int IndexOfIgnoreCase(ReadOnlySpan<byte> text, ReadOnlySpan<byte> lowerCaseValue)
    {
        for (var i = 0; i + lowerCaseValue.Length <= text.Length; i++)
        {
            if (Ascii.EqualsIgnoreCase(text.Slice(i, lowerCaseValue.Length), lowerCaseValue))
            {
                return i;
            }
        }

        return -1;
    }
}
