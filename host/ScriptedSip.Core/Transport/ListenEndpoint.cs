using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ScriptedSip.Core.Transport;

/// <summary>
/// A listen address in the form <c>udp:IP:PORT</c>, <c>tcp:IP:PORT</c> or <c>tls:IP:PORT</c> (IPv6:
/// <c>udp:[::1]:5060</c>), optionally followed
/// by <c>advertise HOST:PORT</c>: the address other parties reach us at (behind NAT, or when listening
/// on every address), written into our Via and Record-Route instead of the bound one.
/// </summary>
public sealed record ListenEndpoint(IPEndPoint EndPoint)
{
    private const string Keyword = "advertise";
    private const string Form = "udp:IP:PORT [advertise HOST:PORT] (IPv6 as udp:[::1]:5060)"; // tcp: and tls: alike

    public AddressFamily Family => EndPoint.AddressFamily;

    /// <summary>The transport listened on (the prefix of the listen string).</summary>
    public SipProtocol Protocol { get; init; } = SipProtocol.Udp;

    /// <summary>host:port from <c>advertise</c>, or null when the bound address is the one to advertise.</summary>
    public string? Advertised { get; init; }

    /// <summary>host:port of the bound socket address.</summary>
    public string BoundHostPort => Format(EndPoint);

    /// <summary>host:port as written in our Via and Record-Route headers: the advertised one when set.</summary>
    public string HostPort => Advertised ?? BoundHostPort;

    /// <summary>True for 0.0.0.0 and [::]: such an address cannot be put in a Via header.</summary>
    public bool IsWildcard => EndPoint.Address.Equals(IPAddress.Any) || EndPoint.Address.Equals(IPAddress.IPv6Any);

    /// <summary>The listen string as configured (the bound address, then the advertised one).</summary>
    public override string ToString() => SipProtocolText.UriToken(Protocol) + ":" + BoundHostPort + (Advertised is null ? string.Empty : $" {Keyword} {Advertised}");

    /// <summary>Parses <c>udp:IP:PORT [advertise HOST:PORT]</c>; on failure <paramref name="error"/> says why.</summary>
    public static bool TryParse(string? text, out ListenEndpoint? endpoint, out string error)
    {
        endpoint = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "is empty; expected " + Form;
            return false;
        }

        var value = text.Trim();
        var words = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        SipProtocol protocol;
        if (words[0].StartsWith("udp:", StringComparison.OrdinalIgnoreCase))
        {
            protocol = SipProtocol.Udp;
        }
        else if (words[0].StartsWith("tcp:", StringComparison.OrdinalIgnoreCase))
        {
            protocol = SipProtocol.Tcp;
        }
        else if (words[0].StartsWith("tls:", StringComparison.OrdinalIgnoreCase))
        {
            protocol = SipProtocol.Tls;
        }
        else
        {
            error = $"'{value}' is not supported: listen addresses are udp:IP:PORT, tcp:IP:PORT or tls:IP:PORT";
            return false;
        }

        if (words.Length is not (1 or 3) || (words.Length == 3 && !words[1].Equals(Keyword, StringComparison.OrdinalIgnoreCase)))
        {
            error = $"'{value}' is not {Form}";
            return false;
        }

        if (!TryParseAddress(words[0][4..], out var address, out var portText) || !TryParsePort(portText, out var port))
        {
            error = $"'{value}' is not {Form}";
            return false;
        }

        var bound = new IPEndPoint(address!, port);
        string? advertised = null;
        if (words.Length == 3)
        {
            if (!TryParseAdvertised(words[2], out advertised, out var reason))
            {
                error = $"'{value}': advertise {words[2]}: {reason}";
                return false;
            }
        }

        endpoint = new ListenEndpoint(bound) { Advertised = advertised, Protocol = protocol };
        if (endpoint.IsWildcard && advertised is null)
        {
            // Via and Record-Route need an address the other side can send to; 0.0.0.0 is none.
            endpoint = null;
            error = $"'{value}' listens on every address: add the address to put in Via and Record-Route, e.g. '{words[0][..3]}:{Format(bound)} advertise 203.0.113.7:{(port == 0 ? 5060 : port)}'";
            return false;
        }

        error = string.Empty;
        return true;
    }

    private static string Format(IPEndPoint endPoint) => endPoint.AddressFamily == AddressFamily.InterNetworkV6
        ? $"[{endPoint.Address}]:{endPoint.Port}"
        : $"{endPoint.Address}:{endPoint.Port}";

    /// <summary>
    /// IP:PORT with the IP strictly as four dotted decimal parts or a bracketed IPv6 address:
    /// <see cref="IPAddress.TryParse(string, out IPAddress)"/> alone accepts short forms such as
    /// 1.2.3 (= 1.2.0.3) and octal or hex parts, which bind an address nobody meant.
    /// </summary>
    private static bool TryParseAddress(string hostPort, out IPAddress? address, out string portText)
    {
        address = null;
        portText = string.Empty;
        if (hostPort.StartsWith('['))
        {
            var close = hostPort.IndexOf("]:", StringComparison.Ordinal);
            if (close < 0 || !IPAddress.TryParse(hostPort.AsSpan(1, close - 1), out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return false;
            }

            address = v6;
            portText = hostPort[(close + 2)..];
            return true;
        }

        var colon = hostPort.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || !TryParseIPv4(hostPort[..colon], out address))
        {
            return false;
        }

        portText = hostPort[(colon + 1)..];
        return true;
    }

    private static bool TryParseIPv4(string text, out IPAddress? address)
    {
        address = null;
        var parts = text.Split('.');
        if (parts.Length != 4)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[4];
        for (var i = 0; i < 4; i++)
        {
            var part = parts[i];
            // No leading zeros: "010" reads as octal 8 to some tools and as decimal 10 to others.
            if (part.Length is 0 or > 3 || !part.All(char.IsAsciiDigit) || (part.Length > 1 && part[0] == '0')
                || !byte.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out bytes[i]))
            {
                return false;
            }
        }

        address = new IPAddress(bytes);
        return true;
    }

    private static bool TryParsePort(string text, out int port)
    {
        port = 0;
        return text.Length is > 0 and <= 5 && text.All(char.IsAsciiDigit)
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port <= 65535;
    }

    /// <summary>HOST:PORT where HOST is an IPv4 address, a bracketed IPv6 address or a DNS name; the port is required.</summary>
    private static bool TryParseAdvertised(string text, out string? hostPort, out string reason)
    {
        hostPort = null;
        reason = "expected HOST:PORT (IPv4, [IPv6] or a DNS name, and a port 1..65535)";
        string host;
        string portText;
        if (text.StartsWith('['))
        {
            if (!TryParseAddress(text, out var v6, out portText))
            {
                return false;
            }

            host = $"[{v6}]";
        }
        else
        {
            var colon = text.LastIndexOf(':');
            if (colon <= 0)
            {
                return false;
            }

            host = text[..colon];
            portText = text[(colon + 1)..];
            var looksNumeric = host.All(c => char.IsAsciiDigit(c) || c == '.');
            if (looksNumeric ? !TryParseIPv4(host, out _) : !IsDnsName(host))
            {
                return false;
            }
        }

        if (!TryParsePort(portText, out var port) || port == 0)
        {
            return false;
        }

        if (host is "0.0.0.0" or "[::]")
        {
            reason = "is a wildcard address; advertise an address others can send to";
            return false;
        }

        hostPort = $"{host}:{port}";
        return true;
    }

    private static bool IsDnsName(string host)
    {
        if (host.Length > 253)
        {
            return false;
        }

        foreach (var label in host.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-'
                || !label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                return false;
            }
        }

        return true;
    }
}
