using System.Net;
using System.Net.Sockets;

namespace ScriptedSip.Core.Transport.ServerLocation;

/// <summary>
/// Where a host name of a destination URI is located (RFC 3263). The server asks DNS
/// (<see cref="DnsServerLocator"/>); the route test kit answers from its table through
/// <see cref="HostNameLookupLocator"/>, synchronously, so a test never depends on the network.
/// </summary>
public interface IServerLocator
{
    /// <summary>Locates the servers of <paramref name="request"/>; never throws for a name that does not resolve (the answer says why).</summary>
    Task<LocatedServers> LocateAsync(LocateRequest request, CancellationToken cancellationToken);
}

/// <summary>A/AAAA only, from an <see cref="IHostNameLookup"/> (the kit's table), answered at once and kept a minute.</summary>
public sealed class HostNameLookupLocator(IHostNameLookup lookup) : IServerLocator
{
    private static readonly TimeSpan CacheTime = TimeSpan.FromMinutes(1);

    public Task<LocatedServers> LocateAsync(LocateRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var addresses = lookup.Lookup(request.Host);
            var chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault();
            if (chosen is null)
            {
                return Task.FromResult(LocatedServers.Unresolvable($"'{request.Host}' has no address", CacheTime, 0));
            }

            var port = request.Port > 0 ? request.Port : request.Transport == SipProtocol.Tls ? 5061 : 5060;
            return Task.FromResult(LocatedServers.Found([new LocatedService(0, 0, request.Transport, [new IPEndPoint(chosen, port)])], CacheTime, 0));
        }
        catch (SocketException ex)
        {
            return Task.FromResult(LocatedServers.Unresolvable($"cannot resolve '{request.Host}': {ex.SocketErrorCode}", TimeSpan.Zero, 0));
        }
    }
}
