using System.Net;

namespace ScriptedSip.Core.Transport;

/// <summary>The transport protocols a listen address or a destination can name.</summary>
public enum SipProtocol
{
    Udp,
    Tcp,
    Tls,
}

/// <summary>
/// The seam between the transaction layer and the sockets: "send these bytes to this destination,
/// from this local address, over this transport". The transaction layer and the message writers
/// know only this interface; a UDP listener is one implementation. A stream transport implements it
/// per connection for replies (RFC 3261 §18.2.2: a reply goes back on the connection the request
/// came on) and per listener for requests (reuse an open connection to the destination or open one).
/// </summary>
public interface ISipTransport
{
    SipProtocol Protocol { get; }

    /// <summary>True for TCP and TLS: no retransmission timers (RFC 3261 §17.1.1.2 Timer A), no size switch.</summary>
    bool IsReliable { get; }

    /// <summary>The local address as written in our Via and Record-Route (the advertised one when configured).</summary>
    ListenEndpoint Local { get; }

    /// <summary>Sends one whole message. False (logged by the transport) when it could not be handed to the kernel.</summary>
    bool Send(ReadOnlySpan<byte> message, SocketAddress destination);
}

/// <summary>Text forms of <see cref="SipProtocol"/> used in Via headers and URIs.</summary>
public static class SipProtocolText
{
    /// <summary>The transport token of a Via header (<c>SIP/2.0/UDP</c>).</summary>
    public static string ViaToken(SipProtocol protocol) => protocol switch
    {
        SipProtocol.Tcp => "TCP",
        SipProtocol.Tls => "TLS",
        _ => "UDP",
    };
}
