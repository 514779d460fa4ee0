using System.Net;

namespace ScriptedSip.Plugins.Registrar;

/// <summary>Kamailio's nat_uac_test flag 1: a Contact naming a private address is behind NAT (unless it is where the request came from).</summary>
public static class NatDetection
{
    /// <summary>True when <paramref name="hostPort"/>'s host is a private IPv4 address (RFC 1918, RFC 6598) different from <paramref name="sourceIp"/>.</summary>
    public static bool IsPrivateAndNot(string hostPort, string sourceIp)
    {
        ArgumentNullException.ThrowIfNull(hostPort);
        var colon = hostPort.LastIndexOf(':');
        var host = colon > 0 ? hostPort[..colon] : hostPort;
        return IPAddress.TryParse(host, out var address) && IsPrivate(address) && host != sourceIp;
    }

    public static bool IsPrivate(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            return false;
        }

        var b = address.GetAddressBytes();
        return b[0] == 10
            || (b[0] == 172 && b[1] is >= 16 and <= 31)
            || (b[0] == 192 && b[1] == 168)
            || (b[0] == 100 && b[1] is >= 64 and <= 127);
    }
}
