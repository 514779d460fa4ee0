namespace ScriptedSip.Core.Parsing;

/// <summary>
/// Reads the <c>*( SEMI generic-param )</c> tail shared by Via, From, To, Contact, Route...:
/// <c>;name[=value]</c> with optional LWS around ';' and '=' (SEMI and EQUAL allow SWS, RFC 3261 §25.1),
/// where value is a token, a host (IPv4, name or bracketed IPv6) or a quoted-string.
/// </summary>
internal static class HeaderParams
{
    public enum Result
    {
        End,
        Param,
        Error,
    }

    /// <summary>
    /// Reads the parameter at <paramref name="pos"/> (leading LWS allowed) and advances past it.
    /// <paramref name="value"/> keeps the quotes of a quoted-string value.
    /// </summary>
    public static Result Next(ReadOnlySpan<byte> buf, ref int pos, int end, out Segment name, out Segment value, out bool hasValue)
    {
        name = default;
        value = default;
        hasValue = false;

        int p = SipChars.SkipLws(buf, pos, end);
        if (p >= end)
        {
            pos = p;
            return Result.End;
        }

        if (buf[p] != (byte)';')
        {
            return Result.Error;
        }

        p = SipChars.SkipLws(buf, p + 1, end);
        if (p >= end)
        {
            return Result.Error; // ";" with nothing after it
        }

        int nameEnd = SipChars.ScanWhile(buf, p, end, SipChars.Token);
        if (nameEnd == p)
        {
            return Result.Error; // ";;" or ";=" — RFC 4475 badinv01
        }

        name = Segment.FromBounds(p, nameEnd);
        int q = SipChars.SkipLws(buf, nameEnd, end);
        if (q < end && buf[q] == (byte)'=')
        {
            q = SipChars.SkipLws(buf, q + 1, end);
            if (q >= end)
            {
                return Result.Error;
            }

            int valueEnd = buf[q] == (byte)'"'
                ? SipChars.SkipQuoted(buf, q, end)
                : SipChars.ScanWhile(buf, q, end, SipChars.ParamValue);
            if (valueEnd <= q)
            {
                return Result.Error;
            }

            value = Segment.FromBounds(q, valueEnd);
            hasValue = true;
            pos = valueEnd;
        }
        else
        {
            pos = nameEnd;
        }

        return Result.Param;
    }
}
