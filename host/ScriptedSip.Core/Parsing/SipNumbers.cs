namespace ScriptedSip.Core.Parsing;

/// <summary>
/// Strict decimal parsing for header scalars. Only 1*DIGIT is accepted — no sign, no spaces — because a
/// lenient parse of e.g. "-999" or "1 2" is exactly the framing ambiguity RFC 4475 §3.1.2.3 warns about.
/// Leading zeros are fine ("0068" is 68, RFC 4475 §3.1.1.1).
/// </summary>
internal static class SipNumbers
{
    /// <summary>Parses 1*DIGIT into a value no larger than <paramref name="max"/>.</summary>
    public static bool TryParse(ReadOnlySpan<byte> digits, ulong max, out ulong value)
    {
        value = 0;
        if (digits.IsEmpty)
        {
            return false;
        }

        foreach (byte b in digits)
        {
            uint d = (uint)(b - '0');
            if (d > 9)
            {
                return false;
            }

            // Checked against max before multiplying, so huge digit strings (RFC 4475 scalar02) cannot wrap.
            if (value > (max - d) / 10)
            {
                return false;
            }

            value = (value * 10) + d;
        }

        return true;
    }

    public static bool TryParseInt(ReadOnlySpan<byte> digits, int max, out int value)
    {
        bool ok = TryParse(digits, (ulong)max, out ulong v);
        value = ok ? (int)v : -1;
        return ok;
    }

    public static bool TryParseUInt(ReadOnlySpan<byte> digits, out uint value)
    {
        bool ok = TryParse(digits, uint.MaxValue, out ulong v);
        value = ok ? (uint)v : 0;
        return ok;
    }
}
