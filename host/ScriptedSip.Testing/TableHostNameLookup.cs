using System.Net;
using System.Net.Sockets;
using ScriptedSip.Core.Transport;

namespace ScriptedSip.Testing;

/// <summary>Host names from the test's table (<see cref="RouteTestOptions.HostNames"/>); any other name does not exist.</summary>
internal sealed class TableHostNameLookup(IDictionary<string, string> names) : IHostNameLookup
{
    private readonly Dictionary<string, IPAddress> _names = names.ToDictionary(n => n.Key, n => IPAddress.Parse(n.Value), StringComparer.OrdinalIgnoreCase);

    public IPAddress[] Lookup(string name) =>
        _names.TryGetValue(name, out var address) ? [address] : throw new SocketException((int)SocketError.HostNotFound);
}
