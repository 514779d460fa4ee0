using System.Net;
using System.Net.Sockets;
using ScriptedSip.Core.Messages;
using ScriptedSip.Core.Transport;
using ScriptedSip.Core.Transport.ServerLocation;

namespace ScriptedSip.Core.Transactions;

/// <summary>
/// A relay to a host name (RFC 3263): the request without our hop headers (see
/// <see cref="HopTemplate"/>), what decides the listener for each target, and the DNS targets not
/// tried yet. Shared by the branches of one relay: each failover branch takes the next target.
/// Used under the transaction's gate.
/// </summary>
internal sealed class LocatedRelay(byte[] template, HopTransport hop, ISipTransport incoming, ISipTransport? preferred, SipProtocol? forced, bool recordRoute)
{
    /// <summary>Where a branch waiting for DNS "is": nothing is ever sent there.</summary>
    public static readonly SocketAddress Nowhere = new IPEndPoint(IPAddress.Any, 0).Serialize();

    private readonly Queue<ServerTarget> _remaining = new();

    public byte[] Template { get; } = template;

    /// <summary>The URI's host (for TLS name checks and log lines) and the transport it names.</summary>
    public HopTransport Hop { get; } = hop;

    /// <summary>The listener the request came in on (double Record-Route when the outgoing one differs).</summary>
    public ISipTransport Incoming { get; } = incoming;

    public ISipTransport? Preferred { get; } = preferred;

    public SipProtocol? Forced { get; } = forced;

    public bool RecordRoute { get; } = recordRoute;

    public bool TooLargeForUdp => Template.Length + RequestForwarder.OurHeaders > RequestForwarder.Limit;

    public bool HasRemaining => _remaining.Count > 0;

    public void Add(IReadOnlyList<ServerTarget> targets)
    {
        foreach (var target in targets)
        {
            _remaining.Enqueue(target);
        }
    }

    public bool TryTake(out ServerTarget target) => _remaining.TryDequeue(out target);
}
