using System.Text;

namespace ScriptedSip.Core.Parsing;

/// <summary>
/// Parses one Via value: <c>sent-protocol LWS sent-by *( SEMI via-params )</c> (RFC 3261 §25.1).
/// SLASH and COLON allow surrounding whitespace, including folded line breaks (RFC 4475 wsinv).
/// </summary>
internal static class ViaParser
{
    /// <summary>Parses the trimmed Via value in [start, end) of <paramref name="buf"/>.</summary>
    public static bool TryParse(ReadOnlySpan<byte> buf, int start, int end, out ViaInfo via)
    {
        via = ViaInfo.None;

        // sent-protocol = protocol-name SLASH protocol-version SLASH transport
        if (!Token(buf, start, end, out int p, out _) ||
            !Slash(buf, ref p, end) ||
            !Token(buf, p, end, out p, out _) ||
            !Slash(buf, ref p, end) ||
            !Token(buf, p, end, out p, out Segment transport))
        {
            return false;
        }

        // LWS between sent-protocol and sent-by is mandatory.
        int hostStart = SipChars.SkipLws(buf, p, end);
        if (hostStart == p || hostStart >= end)
        {
            return false;
        }

        if (!TryHost(buf, hostStart, end, out int hostEnd))
        {
            return false;
        }

        var host = Segment.FromBounds(hostStart, hostEnd);
        int port = -1;
        p = hostEnd;
        int q = SipChars.SkipLws(buf, p, end);
        if (q < end && buf[q] == (byte)':')
        {
            int portStart = SipChars.SkipLws(buf, q + 1, end);
            int portEnd = portStart < end ? SipChars.ScanWhile(buf, portStart, end, SipChars.Token) : end;
            if (!SipNumbers.TryParseInt(buf[portStart..portEnd], 65535, out port))
            {
                return false;
            }

            p = portEnd;
        }

        Segment branch = default, received = default, rportParam = default;
        bool hasRport = false;
        int rport = -1;
        while (true)
        {
            var r = HeaderParams.Next(buf, ref p, end, out var name, out var value, out bool hasValue);
            if (r == HeaderParams.Result.End)
            {
                break;
            }

            // On a syntax error keep what was read so far: a stateless 400 still needs sent-by and branch.
            bool ok = r == HeaderParams.Result.Param;
            var n = buf.Slice(name.Start, name.Length);
            if (ok && Ascii.EqualsIgnoreCase(n, "branch"u8))
            {
                ok = hasValue;
                branch = value;
            }
            else if (ok && Ascii.EqualsIgnoreCase(n, "received"u8))
            {
                ok = hasValue;
                received = value;
            }
            else if (ok && Ascii.EqualsIgnoreCase(n, "rport"u8))
            {
                hasRport = true;
                rportParam = Segment.FromBounds(name.Start, hasValue ? value.End : name.End);
                ok = !hasValue || SipNumbers.TryParseInt(buf.Slice(value.Start, value.Length), 65535, out rport);
            }

            if (!ok)
            {
                via = Build();
                return false;
            }
        }

        via = Build();
        return true;

        ViaInfo Build() =>
            new(transport, host, port, branch, received, hasRport, rport, Segment.FromBounds(start, end)) { RportParam = rportParam };
    }

    private static bool Token(ReadOnlySpan<byte> buf, int pos, int end, out int next, out Segment token)
    {
        next = pos < end ? SipChars.ScanWhile(buf, pos, end, SipChars.Token) : end;
        token = Segment.FromBounds(pos, next);
        return next > pos;
    }

    private static bool Slash(ReadOnlySpan<byte> buf, ref int pos, int end)
    {
        int p = SipChars.SkipLws(buf, pos, end);
        if (p >= end || buf[p] != (byte)'/')
        {
            return false;
        }

        pos = SipChars.SkipLws(buf, p + 1, end);
        return true;
    }

    /// <summary>host = hostname / IPv4address / IPv6reference; returns the exclusive end.</summary>
    internal static bool TryHost(ReadOnlySpan<byte> buf, int pos, int end, out int hostEnd)
    {
        hostEnd = pos;
        if (pos >= end)
        {
            return false;
        }

        if (buf[pos] == (byte)'[')
        {
            int close = buf[pos..end].IndexOf((byte)']');
            if (close < 2)
            {
                return false;
            }

            var inner = buf.Slice(pos + 1, close - 1);
            if (!SipChars.IsAll(inner, SipChars.Ipv6) || inner.IndexOf((byte)':') < 0)
            {
                return false;
            }

            hostEnd = pos + close + 1;
            return true;
        }

        hostEnd = SipChars.ScanWhile(buf, pos, end, SipChars.HostName);
        return hostEnd > pos;
    }
}
