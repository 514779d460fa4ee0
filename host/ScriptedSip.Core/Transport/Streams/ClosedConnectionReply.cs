using System.Net;
using ScriptedSip.Core.Parsing;

namespace ScriptedSip.Core.Transport.Streams;

/// <summary>
/// RFC 3261 §18.2.2: a reply whose request came on a connection that has closed goes to the address
/// the request came from (its Via <c>received</c>) on the port of the Via's sent-by (5060, 5061 for
/// TLS, when it has none) — the port the client listens on, not the ephemeral one it connected from.
/// </summary>
internal static class ClosedConnectionReply
{
    /// <summary>Where <paramref name="reply"/> goes now that the connection to <paramref name="remote"/> is gone; false when it is not a reply with a Via.</summary>
    public static bool TryTarget(ReadOnlySpan<byte> reply, SocketAddress remote, SipProtocol protocol, out SocketAddress target)
    {
        target = remote;
        if (!reply.StartsWith("SIP/2.0 "u8))
        {
            return false;
        }

        var message = new SipMessage();
        if (message.Parse(reply.ToArray()) != SipParseStatus.Ok || message.TopVia.Host.IsEmpty)
        {
            return false;
        }

        var port = message.TopVia.Port > 0 ? message.TopVia.Port : protocol == SipProtocol.Tls ? 5061 : 5060;
        var endPoint = (IPEndPoint)new IPEndPoint(IPAddress.Any, 0).Create(remote);
        target = new IPEndPoint(endPoint.Address, port).Serialize();
        return true;
    }
}
