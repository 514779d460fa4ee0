using System.Net.Sockets;
using System.Text;

namespace ScriptedSip.Core.Transport;

/// <summary>
/// The transports this process listens on: for choosing the one a forwarded message leaves from,
/// and for telling whether a Via, Route or Request-URI names us.
/// </summary>
public sealed class TransportSet
{
    private volatile ISipTransport[] _transports = [];
    private volatile byte[][] _hosts = [];

    public IReadOnlyList<ISipTransport> All => _transports;

    public void Add(ISipTransport transport)
    {
        ArgumentNullException.ThrowIfNull(transport);
        var local = transport.Local.EndPoint;
        var host = local.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + local.Address + "]" : local.Address.ToString();
        _hosts = [.. _hosts, Encoding.ASCII.GetBytes(host)];
        _transports = [.. _transports, transport];
    }

    /// <summary>The transport to send to <paramref name="family"/> over <paramref name="protocol"/>: the preferred one when it fits.</summary>
    public ISipTransport? For(AddressFamily family, SipProtocol protocol, ISipTransport? preferred)
    {
        if (preferred is not null && preferred.Local.Family == family && preferred.Protocol == protocol)
        {
            return preferred;
        }

        foreach (var transport in _transports)
        {
            if (transport.Local.Family == family && transport.Protocol == protocol)
            {
                return transport;
            }
        }

        return null;
    }

    /// <summary>True when host[:port] (port -1 = 5060) is one of our listen addresses.</summary>
    public bool IsUs(ReadOnlySpan<byte> host, int port)
    {
        var transports = _transports;
        var hosts = _hosts;
        var effectivePort = port < 0 ? 5060 : port;
        for (var i = 0; i < transports.Length; i++)
        {
            if (transports[i].Local.EndPoint.Port == effectivePort && Ascii.EqualsIgnoreCase(hosts[i], host))
            {
                return true;
            }
        }

        return false;
    }
}
