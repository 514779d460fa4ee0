using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ScriptedSip.Core.Parsing;

namespace ScriptedSip.Core.Transport;

/// <summary>
/// Turns the host and port of a SIP URI into a socket address. IP literals are written straight
/// into the caller's reusable <see cref="SocketAddress"/>; host names go through DNS once and are
/// cached for a minute (like Kamailio's DNS cache, without SRV/NAPTR: those are not supported yet).
/// </summary>
public sealed class DestinationResolver
{
    private static readonly TimeSpan CacheTime = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, (IPAddress Address, DateTimeOffset Expires)> _names = new(StringComparer.OrdinalIgnoreCase);
    private readonly TimeProvider _time;
    private readonly IHostNameLookup _lookup;

    public DestinationResolver(TimeProvider time, IHostNameLookup? lookup = null)
    {
        _time = time;
        _lookup = lookup ?? SystemHostNameLookup.Instance;
    }

    /// <summary>Resolves a URI (<c>sip:user@host:port;maddr=...</c>, or plain <c>host[:port]</c>) into an endpoint.</summary>
    public bool TryResolve(ReadOnlySpan<byte> uriText, out IPEndPoint? endpoint, out string error) =>
        TryResolve(uriText, out endpoint, out _, out error);

    /// <summary>
    /// Resolves a URI into the next hop: its address and the transport the URI asks for
    /// (<c>;transport=</c>, or TLS for <c>sips:</c>; null when it names none). The default port is
    /// 5061 for TLS, 5060 otherwise.
    /// </summary>
    public bool TryResolve(ReadOnlySpan<byte> uriText, out IPEndPoint? endpoint, out HopTransport hop, out string error)
    {
        endpoint = null;
        hop = default;
        ReadOnlySpan<byte> text = uriText.Trim(" \t<>"u8);
        byte[]? rented = null;
        if (text.IndexOf((byte)':') < 0 || !(text.StartsWith("sip:"u8) || text.StartsWith("sips:"u8) || text.StartsWith("SIP:"u8)))
        {
            // host[:port] as a shortcut for Forward("10.0.0.1:5070")
            rented = new byte[text.Length + 4];
            "sip:"u8.CopyTo(rented);
            text.CopyTo(rented.AsSpan(4));
            text = rented;
        }

        if (!SipUriParser.TryParse(text, out var uri) || uri.Host.IsEmpty)
        {
            error = $"'{Encoding.UTF8.GetString(uriText)}' is not a SIP URI";
            return false;
        }

        var host = uri.Maddr.IsEmpty ? text.Slice(uri.Host.Start, uri.Host.Length) : text.Slice(uri.Maddr.Start, uri.Maddr.Length);
        SipProtocol? transport = null;
        if (uri.IsSecure)
        {
            transport = SipProtocol.Tls;
        }
        else if (!uri.Transport.IsEmpty && SipProtocolText.TryParse(text.Slice(uri.Transport.Start, uri.Transport.Length), out var named))
        {
            transport = named;
        }

        var port = uri.Port > 0 ? uri.Port : transport == SipProtocol.Tls ? 5061 : 5060;
        if (host.Length > 1 && host[0] == '[')
        {
            host = host[1..^1];
        }

        hop = new HopTransport(transport, Encoding.ASCII.GetString(host));

        if (IPAddress.TryParse(host, out var address))
        {
            endpoint = new IPEndPoint(address, port);
            error = string.Empty;
            return true;
        }

        var name = Encoding.ASCII.GetString(host);
        var now = _time.GetUtcNow();
        if (!_names.TryGetValue(name, out var cached) || cached.Expires < now)
        {
            try
            {
                var addresses = _lookup.Lookup(name);
                var chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault();
                if (chosen is null)
                {
                    error = $"'{name}' has no address";
                    return false;
                }

                cached = (chosen, now + CacheTime);
                _names[name] = cached;
            }
            catch (SocketException ex)
            {
                error = $"cannot resolve '{name}': {ex.SocketErrorCode}";
                return false;
            }
        }

        endpoint = new IPEndPoint(cached.Address, port);
        error = string.Empty;
        return true;
    }
}

/// <summary>What a next-hop URI says about the transport: the one it names (null: none), and its host for TLS name checks.</summary>
public readonly record struct HopTransport(SipProtocol? Named, string Host);
