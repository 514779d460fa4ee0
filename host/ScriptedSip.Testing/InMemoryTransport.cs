using System.Net;
using ScriptedSip.Core.Transport;

namespace ScriptedSip.Testing;

/// <summary>
/// A listen address without a socket: what the server sends through it is recorded by the test
/// host, and what the test sends is delivered through the same intake as a UDP listener's
/// (counters, size gate, the call's worker, overload refusal).
/// </summary>
internal sealed class InMemoryTransport : ISipTransport
{
    private readonly Action<InMemoryTransport, byte[], IPEndPoint> _sent;

    public InMemoryTransport(ListenEndpoint local, Action<InMemoryTransport, byte[], IPEndPoint> sent)
    {
        Local = local;
        _sent = sent;
    }

    public SipProtocol Protocol => SipProtocol.Udp;

    public bool IsReliable => false;

    public ListenEndpoint Local { get; }

    public DatagramIntake? Intake { get; set; }

    public bool Send(ReadOnlySpan<byte> message, SocketAddress destination)
    {
        var any = destination.Family == System.Net.Sockets.AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
        var endpoint = (IPEndPoint)new IPEndPoint(any, 0).Create(destination);
        _sent(this, message.ToArray(), endpoint);
        return true;
    }
}
