using System.Net.Sockets;
using System.Text;
using ScriptedSip.Core.Transport;

namespace ScriptedSip.Core.Processing;

/// <summary>
/// The listeners of this process, for choosing the socket a forwarded message leaves from and
/// for telling whether a Via, Route or Request-URI names us.
/// </summary>
public sealed class ListenerSet
{
    private volatile UdpListener[] _listeners = [];
    private volatile byte[][] _hosts = [];

    public IReadOnlyList<UdpListener> All => _listeners;

    public void Add(UdpListener listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        var host = listener.LocalEndPoint.AddressFamily == AddressFamily.InterNetworkV6
            ? "[" + listener.LocalEndPoint.Address + "]"
            : listener.LocalEndPoint.Address.ToString();
        _hosts = [.. _hosts, Encoding.ASCII.GetBytes(host)];
        _listeners = [.. _listeners, listener];
    }

    /// <summary>The listener to send to <paramref name="family"/> from: the preferred one when it fits.</summary>
    public UdpListener? For(AddressFamily family, UdpListener? preferred)
    {
        if (preferred is not null && preferred.Endpoint.Family == family)
        {
            return preferred;
        }

        foreach (var listener in _listeners)
        {
            if (listener.Endpoint.Family == family)
            {
                return listener;
            }
        }

        return null;
    }

    /// <summary>True when host[:port] (port -1 = 5060) is one of our listen addresses.</summary>
    public bool IsUs(ReadOnlySpan<byte> host, int port)
    {
        var listeners = _listeners;
        var hosts = _hosts;
        var effectivePort = port < 0 ? 5060 : port;
        for (var i = 0; i < listeners.Length; i++)
        {
            if (listeners[i].LocalEndPoint.Port == effectivePort && System.Text.Ascii.EqualsIgnoreCase(hosts[i], host))
            {
                return true;
            }
        }

        return false;
    }
}
