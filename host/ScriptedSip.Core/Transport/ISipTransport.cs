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

    /// <summary>The value of a URI's <c>transport</c> parameter and the prefix of a listen address (<c>udp</c>, <c>tcp</c>, <c>tls</c>).</summary>
    public static string UriToken(SipProtocol protocol) => protocol switch
    {
        SipProtocol.Tcp => "tcp",
        SipProtocol.Tls => "tls",
        _ => "udp",
    };

    /// <summary>Reads a transport token (Via or URI, any case); false for anything else (SCTP, WS, …).</summary>
    public static bool TryParse(ReadOnlySpan<byte> token, out SipProtocol protocol)
    {
        if (System.Text.Ascii.EqualsIgnoreCase(token, "udp"u8))
        {
            protocol = SipProtocol.Udp;
            return true;
        }

        if (System.Text.Ascii.EqualsIgnoreCase(token, "tcp"u8))
        {
            protocol = SipProtocol.Tcp;
            return true;
        }

        if (System.Text.Ascii.EqualsIgnoreCase(token, "tls"u8))
        {
            protocol = SipProtocol.Tls;
            return true;
        }

        protocol = SipProtocol.Udp;
        return false;
    }
}
