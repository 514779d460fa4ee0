using System.Text;

namespace ScriptedSip.Core.Parsing;

/// <summary>
/// Parses SIP/SIPS URIs (RFC 3261 §19.1), tel URIs (RFC 3966, structurally) and accepts any other
/// well-formed absolute URI opaquely. No allocation; segments are relative to the input span.
/// </summary>
public static class SipUriParser
{
    /// <summary>Parses <paramref name="uri"/>; false if it is not a syntactically acceptable URI.</summary>
    public static bool TryParse(ReadOnlySpan<byte> uri, out SipUri result)
    {
        result = default;
        int colon = UriScheme.Length(uri);
        if (colon <= 0 || uri.IndexOfAny(SipChars.OpaqueUriForbidden) >= 0)
        {
            return false;
        }

        var schemeBytes = uri[..colon];
        var scheme = new Segment(0, colon);
        var opaque = Segment.FromBounds(colon + 1, uri.Length);
        bool sip = Ascii.EqualsIgnoreCase(schemeBytes, "sip"u8);
        bool sips = !sip && Ascii.EqualsIgnoreCase(schemeBytes, "sips"u8);
        if (sip || sips)
        {
            return TryParseSip(uri, colon + 1, scheme, sips, out result);
        }

        if (Ascii.EqualsIgnoreCase(schemeBytes, "tel"u8))
        {
            int semi = uri[(colon + 1)..].IndexOf((byte)';');
            int numberEnd = semi < 0 ? uri.Length : colon + 1 + semi;
            if (numberEnd == colon + 1)
            {
                return false;
            }

            result = new SipUri
            {
                Scheme = scheme,
                Opaque = opaque,
                User = Segment.FromBounds(colon + 1, numberEnd),
                Params = semi < 0 ? default : Segment.FromBounds(numberEnd + 1, uri.Length),
                Port = -1,
            };
            return true;
        }

        result = new SipUri { Scheme = scheme, Opaque = opaque, Port = -1 };
        return true;
    }

    private static bool TryParseSip(ReadOnlySpan<byte> uri, int start, Segment scheme, bool secure, out SipUri result)
    {
        result = default;
        int end = uri.Length;
        Segment user = default, password = default;
        int hostStart = start;

        // Raw '@' cannot appear in params or headers (it must be escaped there), so any '@' ends the
        // userinfo — which itself may contain ';', '?' and ':' (RFC 4475 intmeth, semiuri).
        int at = uri[start..].IndexOf((byte)'@');
        if (at >= 0)
        {
            int atPos = start + at;
            if (at == 0 || uri[(atPos + 1)..].IndexOf((byte)'@') >= 0)
            {
                return false;
            }

            var userInfo = uri[start..atPos];
            if (userInfo.IndexOfAnyExcept(SipChars.UserInfo) >= 0)
            {
                return false;
            }

            int pw = userInfo.IndexOf((byte)':');
            user = pw < 0 ? Segment.FromBounds(start, atPos) : Segment.FromBounds(start, start + pw);
            password = pw < 0 ? default : Segment.FromBounds(start + pw + 1, atPos);
            hostStart = atPos + 1;
        }

        if (!ViaParser.TryHost(uri, hostStart, end, out int hostEnd))
        {
            return false;
        }

        int p = hostEnd;
        int port = -1;
        if (p < end && uri[p] == (byte)':')
        {
            int portEnd = p + 1;
            while (portEnd < end && SipChars.IsDigit(uri[portEnd]))
            {
                portEnd++;
            }

            // "sip:2001:db8::10" lands here with a non-numeric "port" and is rejected (RFC 5118 §4.2).
            if (!SipNumbers.TryParseInt(uri[(p + 1)..portEnd], 65535, out port))
            {
                return false;
            }

            p = portEnd;
        }

        Segment parameters = default, headers = default, transport = default, maddr = default;
        bool lr = false;
        if (p < end && uri[p] == (byte)';')
        {
            int q = uri[p..].IndexOf((byte)'?');
            int paramsEnd = q < 0 ? end : p + q;
            parameters = Segment.FromBounds(p + 1, paramsEnd);
            if (!TryReadParams(uri, parameters, ref lr, ref transport, ref maddr))
            {
                return false;
            }

            p = paramsEnd;
        }

        if (p < end && uri[p] == (byte)'?')
        {
            headers = Segment.FromBounds(p + 1, end);
            if (headers.IsEmpty || uri[(p + 1)..].IndexOfAnyExcept(SipChars.UriHeaders) >= 0)
            {
                return false;
            }

            p = end;
        }

        if (p != end)
        {
            return false;
        }

        result = new SipUri
        {
            Scheme = scheme,
            Opaque = Segment.FromBounds(start, end),
            User = user,
            Password = password,
            Host = Segment.FromBounds(hostStart, hostEnd),
            Port = port,
            Params = parameters,
            Headers = headers,
            HasLr = lr,
            Transport = transport,
            Maddr = maddr,
            IsSip = true,
            IsSecure = secure,
        };
        return true;
    }

    private static bool TryReadParams(ReadOnlySpan<byte> uri, Segment parameters, ref bool lr, ref Segment transport, ref Segment maddr)
    {
        int p = parameters.Start;
        int end = parameters.End;
        while (p <= end)
        {
            int semi = uri[p..end].IndexOf((byte)';');
            int paramEnd = semi < 0 ? end : p + semi;
            var param = uri[p..paramEnd];
            if (param.IsEmpty || param.IndexOfAnyExcept(SipChars.UriParam) >= 0)
            {
                return false;
            }

            int eq = param.IndexOf((byte)'=');
            var name = eq < 0 ? param : param[..eq];
            if (name.IsEmpty)
            {
                return false;
            }

            var value = eq < 0 ? default : Segment.FromBounds(p + eq + 1, paramEnd);
            if (Ascii.EqualsIgnoreCase(name, "lr"u8))
            {
                lr = true;
            }
            else if (Ascii.EqualsIgnoreCase(name, "transport"u8))
            {
                transport = value;
            }
            else if (Ascii.EqualsIgnoreCase(name, "maddr"u8))
            {
                maddr = value;
            }

            p = paramEnd + 1;
        }

        return true;
    }
}
