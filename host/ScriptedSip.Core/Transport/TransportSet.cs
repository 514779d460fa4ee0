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

    // Every host:port that names us: the bound address and, when one is configured, the advertised one
    // (our Via and Record-Route carry the advertised one, so replies and loose routing must know it).
    private volatile (byte[] Host, int Port)[] _names = [];

    // Domains served (Sip:Domains): they name us on any port, as Kamailio's port-less aliases do.
    // "localhost" names us only on a port we listen on (a UA on localhost:5080 is not us).
    private volatile byte[][] _domains = [];

    public IReadOnlyList<ISipTransport> All => _transports;

    /// <summary>Adds the domains of <c>Sip:Domains</c> (host names or addresses, no port).</summary>
    public void AddDomains(IEnumerable<string> domains)
    {
        ArgumentNullException.ThrowIfNull(domains);
        _domains = [.. _domains, .. domains.Where(d => !string.IsNullOrWhiteSpace(d)).Select(d => Encoding.ASCII.GetBytes(d.Trim()))];
    }

    public void Add(ISipTransport transport)
    {
        ArgumentNullException.ThrowIfNull(transport);
        var local = transport.Local.EndPoint;
        var host = local.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + local.Address + "]" : local.Address.ToString();
        List<(byte[], int)> names = [.. _names, (Encoding.ASCII.GetBytes(host), local.Port)];
        if (transport.Local.Advertised is { } advertised)
        {
            var colon = advertised.LastIndexOf(':');
            if (colon > 0 && int.TryParse(advertised.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port))
            {
                names.Add((Encoding.ASCII.GetBytes(advertised[..colon]), port));
            }
        }

        _names = [.. names];
        _transports = [.. _transports, transport];
    }

    /// <summary>The transport to send to <paramref name="family"/> over <paramref name="protocol"/>: the preferred one when it fits.</summary>
    public ISipTransport? For(AddressFamily family, SipProtocol protocol, ISipTransport? preferred)
    {
        // A message that came on a connection leaves through that connection's listener, which
        // reuses the connection when the destination is its peer.
        if (preferred is Streams.StreamConnection connection)
        {
            preferred = connection.Listener;
        }

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

    /// <summary>True when host[:port] (port -1 = 5060) is one of our listen addresses, or host is one of our domains.</summary>
    public bool IsUs(ReadOnlySpan<byte> host, int port)
    {
        foreach (var domain in _domains)
        {
            if (Ascii.EqualsIgnoreCase(domain, host))
            {
                return true;
            }
        }

        var effectivePort = port < 0 ? 5060 : port;
        var isLocalhost = Ascii.EqualsIgnoreCase("localhost"u8, host);
        foreach (var (name, namePort) in _names)
        {
            if (namePort == effectivePort && (isLocalhost || Ascii.EqualsIgnoreCase(name, host)))
            {
                return true;
            }
        }

        return false;
    }
}
