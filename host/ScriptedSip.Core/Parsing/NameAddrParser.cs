using System.Text;

namespace ScriptedSip.Core.Parsing;

/// <summary>
/// Parses <c>( name-addr / addr-spec ) *( SEMI param )</c> (RFC 3261 §20.10, §20.20, §20.39).
/// Strict where RFC 4475 says rejecting is reasonable: an unterminated quote (quotbal), non-token
/// characters in an unquoted display name (baddn) and whitespace inside &lt;&gt; (badaspec) all fail.
/// A token display name directly followed by '&lt;' is accepted (lwsdisp, a known grammar bug).
/// </summary>
internal static class NameAddrParser
{
    /// <summary>Parses the trimmed value in [start, end).</summary>
    public static bool TryParse(ReadOnlySpan<byte> buf, int start, int end, out NameAddr result)
    {
        result = default;
        if (start >= end)
        {
            return false;
        }

        Segment display = default;
        int p = start;
        bool bracketed;
        if (buf[p] == (byte)'"')
        {
            int close = SipChars.SkipQuoted(buf, p, end);
            if (close < 0)
            {
                return false;
            }

            display = Segment.FromBounds(p + 1, close - 1);
            p = SipChars.SkipLws(buf, close, end);
            if (p >= end || buf[p] != (byte)'<')
            {
                return false;
            }

            bracketed = true;
        }
        else
        {
            // *(token LWS) then '<' means name-addr; anything else must be an addr-spec
            // (a scheme is not a token sequence because of its ':').
            int q = p;
            while (q < end && (SipChars.Token.Contains(buf[q]) || SipChars.IsLws(buf[q])))
            {
                q++;
            }

            bracketed = q < end && buf[q] == (byte)'<';
            if (bracketed)
            {
                int dnEnd = SipChars.TrimLwsEnd(buf, p, q);
                display = Segment.FromBounds(p, dnEnd);
                p = q;
            }
        }

        Segment uri;
        if (bracketed)
        {
            int close = buf[p..end].IndexOf((byte)'>');
            if (close < 0)
            {
                return false;
            }

            uri = Segment.FromBounds(p + 1, p + close);
            p += close + 1;
        }
        else
        {
            // In addr-spec form the URI cannot contain ';' (RFC 3261 §20.10), so ';' starts the header params.
            int uriEnd = p;
            while (uriEnd < end && buf[uriEnd] != (byte)';' && !SipChars.IsLws(buf[uriEnd]))
            {
                uriEnd++;
            }

            uri = Segment.FromBounds(p, uriEnd);
            p = uriEnd;
        }

        if (!IsPlausibleUri(buf.Slice(uri.Start, uri.Length)))
        {
            return false;
        }

        Segment tag = default;
        while (true)
        {
            var r = HeaderParams.Next(buf, ref p, end, out var name, out var value, out bool hasValue);
            if (r == HeaderParams.Result.End)
            {
                break;
            }

            if (r == HeaderParams.Result.Error)
            {
                return false;
            }

            if (hasValue && Ascii.EqualsIgnoreCase(buf.Slice(name.Start, name.Length), "tag"u8))
            {
                tag = value;
            }
        }

        result = new NameAddr(uri, tag, display) { Whole = Segment.FromBounds(start, end) };
        return true;
    }

    /// <summary>
    /// A URI here must have a scheme and no whitespace or angle brackets; full URI syntax is checked
    /// lazily by whoever needs it (<see cref="SipUriParser"/>), as To/From may legally hold any scheme (RFC 4475 unksm2).
    /// </summary>
    internal static bool IsPlausibleUri(ReadOnlySpan<byte> uri) =>
        UriScheme.Length(uri) > 0 && uri.IndexOfAny(SipChars.OpaqueUriForbidden) < 0;
}
