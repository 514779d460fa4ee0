using System.Net;

namespace ScriptedSip.Core.Transport;

/// <summary>
/// Where a host name in a destination URI gets its addresses. The server asks the system resolver
/// (<see cref="SystemHostNameLookup"/>); the route test kit answers from a table the test fills, so
/// a test never depends on the network.
/// </summary>
public interface IHostNameLookup
{
    /// <summary>The addresses of <paramref name="name"/>; throws <see cref="System.Net.Sockets.SocketException"/> when it has none.</summary>
    IPAddress[] Lookup(string name);
}

/// <summary>The system resolver (<see cref="Dns.GetHostAddresses(string)"/>).</summary>
public sealed class SystemHostNameLookup : IHostNameLookup
{
    public static readonly SystemHostNameLookup Instance = new();

    public IPAddress[] Lookup(string name) => Dns.GetHostAddresses(name);
}
