namespace ScriptedSip.Core.Parsing;

/// <summary>CSeq = 1*DIGIT LWS Method (RFC 3261 §20.16); the number must fit in 32 bits (§8.1.1.5).</summary>
internal static class CSeqParser
{
    /// <summary>
    /// Parses the trimmed value in [start, end). On failure whatever was read (the number) is still
    /// returned, so a 400 can echo it.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> buf, int start, int end, out uint number, out Segment method)
    {
        method = default;
        int p = start;
        while (p < end && SipChars.IsDigit(buf[p]))
        {
            p++;
        }

        // Fails for no digits, or more than 2**32-1 (RFC 4475 scalar02 / scalarlg); the method is still read.
        bool numberOk = SipNumbers.TryParseUInt(buf[start..p], out number);

        // LWS is mandatory here and may be a folded line break (RFC 4475 wsinv: "0009" CRLF "  INVITE").
        int m = SipChars.SkipLws(buf, p, end);
        if (m == p || m >= end)
        {
            return false;
        }

        int methodEnd = SipChars.ScanWhile(buf, m, end, SipChars.Token);
        method = Segment.FromBounds(m, methodEnd);
        return numberOk && methodEnd == end && methodEnd > m;
    }
}
