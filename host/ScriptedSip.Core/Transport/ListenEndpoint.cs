using System.Net;
using System.Net.Sockets;

namespace ScriptedSip.Core.Transport;

/// <summary>A listen address in the form <c>udp:IP:PORT</c> (IPv6: <c>udp:[::1]:5060</c>).</summary>
public sealed record ListenEndpoint(IPEndPoint EndPoint)
{
    public AddressFamily Family => EndPoint.AddressFamily;

    /// <summary>host:port as written in our Via and Record-Route headers.</summary>
    public string HostPort => EndPoint.AddressFamily == AddressFamily.InterNetworkV6
        ? $"[{EndPoint.Address}]:{EndPoint.Port}"
        : $"{EndPoint.Address}:{EndPoint.Port}";

    public override string ToString() => "udp:" + HostPort;

    /// <summary>Parses <c>udp:IP:PORT</c>; on failure <paramref name="error"/> says why.</summary>
    public static bool TryParse(string? text, out ListenEndpoint? endpoint, out string error)
    {
        endpoint = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "is empty; expected udp:IP:PORT";
            return false;
        }

        var value = text.Trim();
        if (!value.StartsWith("udp:", StringComparison.OrdinalIgnoreCase))
        {
            error = $"'{value}' is not supported: only udp:IP:PORT listen addresses exist";
            return false;
        }

        var hostPort = value[4..];
        var portSeparatorOk = hostPort.StartsWith('[')
            ? hostPort.Contains("]:", StringComparison.Ordinal)
            : hostPort.Count(c => c == ':') == 1;
        if (!portSeparatorOk || !IPEndPoint.TryParse(hostPort, out var parsed))
        {
            error = $"'{value}' is not udp:IP:PORT (IPv6 as udp:[::1]:5060)";
            return false;
        }

        if (parsed.Port is < 0 or > 65535)
        {
            error = $"'{value}': port must be 0..65535 (0: the kernel picks a free port)";
            return false;
        }

        endpoint = new ListenEndpoint(parsed);
        error = string.Empty;
        return true;
    }
}
