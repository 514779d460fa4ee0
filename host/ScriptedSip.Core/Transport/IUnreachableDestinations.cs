using System.Net;

namespace ScriptedSip.Core.Transport;

/// <summary>
/// Told when a datagram sent over a transport came back as unreachable (an ICMP port, host or
/// network unreachable error, read from the socket's error queue on Linux). The transaction layer
/// ends the branch that datagram belonged to at once instead of waiting for its fr timer.
/// </summary>
public interface IUnreachableDestinations
{
    /// <summary>
    /// <paramref name="destination"/> is where the datagram went; <paramref name="quotedDatagram"/> is
    /// its beginning as the ICMP error quoted it. Both are valid only during the call. Called on a
    /// receive or thread-pool thread holding no transaction's lock. True when a branch was ended.
    /// </summary>
    bool OnUnreachable(ISipTransport transport, SocketAddress destination, ReadOnlySpan<byte> quotedDatagram, string reason);
}
