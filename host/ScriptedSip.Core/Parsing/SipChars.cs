using System.Buffers;

namespace ScriptedSip.Core.Parsing;

/// <summary>
/// Character classes from the RFC 3261 §25.1 grammar and whitespace helpers. SearchValues gives vectorised
/// scans (IndexOfAnyExcept) as well as cheap single-byte membership tests.
/// </summary>
internal static class SipChars
{
    private const string Alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    /// <summary>token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~").</summary>
    public static readonly SearchValues<byte> Token = Create(Alnum + "-.!%*_+`'~");

    /// <summary>Call-ID word characters (RFC 3261 "word"): token plus ( ) &lt; &gt; : \ " / [ ] ? { }.</summary>
    public static readonly SearchValues<byte> Word = Create(Alnum + "-.!%*_+`'~()<>:\\\"/[]?{}");

    /// <summary>Host name / IPv4 characters. '_' is not in the grammar but is common in the wild and harmless.</summary>
    public static readonly SearchValues<byte> HostName = Create(Alnum + "-._");

    /// <summary>Characters inside an IPv6 reference (between '[' and ']'), including an embedded IPv4 tail.</summary>
    public static readonly SearchValues<byte> Ipv6 = Create("0123456789abcdefABCDEF:.");

    /// <summary>generic-param values: token, host (with ':' and brackets for IPv6) — quoted strings are handled separately.</summary>
    public static readonly SearchValues<byte> ParamValue = Create(Alnum + "-.!%*_+`'~:[]");

    /// <summary>Scheme characters after the first letter: ALPHA / DIGIT / "+" / "-" / ".".</summary>
    public static readonly SearchValues<byte> SchemeTail = Create(Alnum + "+-.");

    /// <summary>URI userinfo: unreserved, escaped, user-unreserved and password characters.</summary>
    public static readonly SearchValues<byte> UserInfo = Create(Alnum + "-_.!~*'()%&=+$,;?/:");

    /// <summary>URI parameter characters (paramchar) plus the '=' between name and value.</summary>
    public static readonly SearchValues<byte> UriParam = Create(Alnum + "-_.!~*'()%[]/:&+$=");

    /// <summary>URI header characters (hname/hvalue) plus '=' and '&amp;' separators.</summary>
    public static readonly SearchValues<byte> UriHeaders = Create(Alnum + "-_.!~*'()%[]/?:+$=&");

    /// <summary>Bytes that may not appear in an opaque (non-SIP) URI: controls, space, and the delimiters around URIs.</summary>
    public static readonly SearchValues<byte> OpaqueUriForbidden = CreateBytes(ControlsAndSpace(), "<>\"");

    private static SearchValues<byte> Create(string chars) => SearchValues.Create(System.Text.Encoding.ASCII.GetBytes(chars));

    private static SearchValues<byte> CreateBytes(byte[] extra, string chars) =>
        SearchValues.Create([.. extra, .. System.Text.Encoding.ASCII.GetBytes(chars)]);

    private static byte[] ControlsAndSpace()
    {
        var b = new byte[34];
        for (int i = 0; i <= 32; i++)
        {
            b[i] = (byte)i;
        }

        b[33] = 0x7F;
        return b;
    }

    /// <summary>Linear whitespace inside a header value. CR and LF count because folded values keep their line breaks.</summary>
    public static bool IsLws(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    public static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    public static bool IsAlpha(byte b) => (uint)((b | 0x20) - 'a') <= 'z' - 'a';

    /// <summary>Index of the first non-LWS byte at or after <paramref name="pos"/> (or <paramref name="end"/>).</summary>
    public static int SkipLws(ReadOnlySpan<byte> buf, int pos, int end)
    {
        while (pos < end && IsLws(buf[pos]))
        {
            pos++;
        }

        return pos;
    }

    /// <summary>Exclusive end after dropping trailing LWS from [start, end).</summary>
    public static int TrimLwsEnd(ReadOnlySpan<byte> buf, int start, int end)
    {
        while (end > start && IsLws(buf[end - 1]))
        {
            end--;
        }

        return end;
    }

    /// <summary>End of the run of bytes from <paramref name="set"/> starting at <paramref name="pos"/>.</summary>
    public static int ScanWhile(ReadOnlySpan<byte> buf, int pos, int end, SearchValues<byte> set)
    {
        int i = buf[pos..end].IndexOfAnyExcept(set);
        return i < 0 ? end : pos + i;
    }

    /// <summary>True for a non-empty run made only of bytes from <paramref name="set"/>.</summary>
    public static bool IsAll(ReadOnlySpan<byte> s, SearchValues<byte> set) => !s.IsEmpty && s.IndexOfAnyExcept(set) < 0;

    /// <summary>
    /// Given <paramref name="pos"/> at an opening DQUOTE, returns the index just after the closing DQUOTE,
    /// or -1 if the quoted-string is unterminated. A backslash escapes the next byte (quoted-pair), which
    /// may even be NUL or DEL (RFC 3261 quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)).
    /// </summary>
    public static int SkipQuoted(ReadOnlySpan<byte> buf, int pos, int end)
    {
        int i = pos + 1;
        while (i < end)
        {
            byte b = buf[i];
            if (b == (byte)'\\')
            {
                if (i + 1 >= end || buf[i + 1] is (byte)'\r' or (byte)'\n')
                {
                    return -1;
                }

                i += 2;
            }
            else if (b == (byte)'"')
            {
                return i + 1;
            }
            else
            {
                i++;
            }
        }

        return -1;
    }
}
