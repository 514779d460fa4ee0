using System.Text;

namespace ScriptedSip.Core.Parsing;

public sealed partial class SipMessage
{
    /// <summary>
    /// Classifies and parses the start line in [start, end) (line terminator excluded).
    /// Returns false for NotSip. The SIP shape test is deliberately looser than the grammar so that
    /// malformed SIP (RFC 4475 lwsstart, trws, ltgtruri, badvers, bigcode...) becomes Invalid and can be
    /// answered, while anything not aimed at SIP (HTTP, junk) is NotSip.
    /// </summary>
    private bool ParseStartLine(ReadOnlySpan<byte> buf, int start, int end)
    {
        var line = buf[start..end];
        if (line.Length > 4 && Ascii.EqualsIgnoreCase(line[..4], "SIP/"u8) && SipChars.IsDigit(line[4]))
        {
            ParseStatusLine(line, start);
            return true;
        }

        return ParseRequestLine(line, start);
    }

    /// <summary>Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (RFC 3261 §7.2).</summary>
    private void ParseStatusLine(ReadOnlySpan<byte> line, int offset)
    {
        IsRequest = false;
        int sp = line.IndexOf((byte)' ');
        var version = sp < 0 ? line : line[..sp];
        if (sp < 0 || !IsSipVersion(version))
        {
            SetError(SipParseErrors.BadStatusLine);
            return;
        }

        if (!Ascii.EqualsIgnoreCase(version, "SIP/2.0"u8))
        {
            SetError(SipParseErrors.VersionNotSupported, 505);
        }

        // Exactly three digits then SP; the reason may be empty but the SP is required (RFC 4475 noreason).
        var rest = line[(sp + 1)..];
        if (rest.Length < 4 || rest[3] != (byte)' ' ||
            !SipNumbers.TryParseInt(rest[..3], 999, out int code) || code < 100 || code > 699)
        {
            SetError(SipParseErrors.BadStatusLine);
            return;
        }

        StatusCode = code;
        Reason = Segment.FromBounds(offset + sp + 5, offset + line.Length);
    }

    /// <summary>Request-Line = Method SP Request-URI SP SIP-Version (RFC 3261 §7.1).</summary>
    private bool ParseRequestLine(ReadOnlySpan<byte> line, int offset)
    {
        int sp1 = line.IndexOf((byte)' ');
        if (sp1 <= 0 || line[..sp1].IndexOfAnyExcept(SipChars.Token) >= 0)
        {
            return false;
        }

        int trimmedEnd = line.Length;
        while (trimmedEnd > sp1 && line[trimmedEnd - 1] is (byte)' ' or (byte)'\t')
        {
            trimmedEnd--;
        }

        int lastSp = line[..trimmedEnd].LastIndexOf((byte)' ');
        if (lastSp < sp1 || !IsSipVersion(line[(lastSp + 1)..trimmedEnd]))
        {
            return false; // e.g. "GET / HTTP/1.1"
        }

        IsRequest = true;
        MethodToken = new Segment(offset, sp1);
        Method = SipMethods.Parse(line[..sp1]);

        // lastSp == sp1 when there is no URI at all ("OPTIONS SIP/2.0").
        int uriStart = sp1 + 1;
        var uri = lastSp > sp1 ? line[uriStart..lastSp] : default;
        while (!uri.IsEmpty && uri[0] is (byte)' ' or (byte)'\t')
        {
            uri = uri[1..];
            uriStart++;
        }

        uri = uri.TrimEnd(" \t"u8);
        RequestUri = new Segment(offset + uriStart, uri.Length);

        // Extra SP between the elements or after the version: RFC 4475 lwsstart / trws; rejecting is allowed
        // and keeps a proxy from forwarding the mangled line.
        if (uri.IsEmpty || uriStart != sp1 + 1 || uriStart + uri.Length != lastSp || trimmedEnd != line.Length)
        {
            SetError(SipParseErrors.BadRequestLine);
        }

        if (!Ascii.EqualsIgnoreCase(line[(lastSp + 1)..trimmedEnd], "SIP/2.0"u8))
        {
            SetError(SipParseErrors.VersionNotSupported, 505);
        }

        if (!IsValidRequestUri(uri))
        {
            SetError(SipParseErrors.BadRequestUri);
        }

        return true;
    }

    /// <summary>
    /// A Request-URI must be an absolute URI without whitespace or angle brackets (RFC 4475 lwsruri,
    /// ltgtruri). SIP/SIPS URIs are fully parsed (RFC 5118 ipv6-bad) and may not carry headers, which
    /// RFC 3261 §19.1.1 forbids in a Request-URI (RFC 4475 escruri). Other schemes are accepted opaquely
    /// (RFC 4475 unkscm, novelsc) — rejecting them with 416 is the application's call.
    /// </summary>
    private static bool IsValidRequestUri(ReadOnlySpan<byte> uri) =>
        SipUriParser.TryParse(uri, out var parsed) && (!parsed.IsSip || parsed.Headers.IsEmpty);

    /// <summary>SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT, "SIP" case-insensitive.</summary>
    private static bool IsSipVersion(ReadOnlySpan<byte> v)
    {
        if (v.Length < 7 || !Ascii.EqualsIgnoreCase(v[..4], "SIP/"u8))
        {
            return false;
        }

        var nums = v[4..];
        int dot = nums.IndexOf((byte)'.');
        return dot > 0 && dot < nums.Length - 1 &&
               nums[..dot].IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0 &&
               nums[(dot + 1)..].IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0;
    }
}
