using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using ScriptedSip.Core.Parsing;
using ScriptedSip.Core.Stats;
using ScriptedSip.Core.Transport;

namespace ScriptedSip.Core.Messages;

/// <summary>
/// Relays a reply statelessly along its Via path (RFC 3261 §16.7 step 9 / §18.2.2): the top Via
/// must be ours; it is removed and the reply goes to the next Via (received / rport honoured).
/// Anything else is dropped.
/// </summary>
public sealed class ReplyRelay
{
    private readonly TransportSet _transports;
    private readonly DestinationResolver _destinations;
    private readonly SipCounters _counters;
    private readonly ILogger _logger;

    public ReplyRelay(TransportSet transports, DestinationResolver destinations, SipCounters counters, ILogger logger)
    {
        _transports = transports;
        _destinations = destinations;
        _counters = counters;
        _logger = logger;
    }

    public bool Relay(InboundMessage reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var sent = TryRelay(reply);
        if (sent)
        {
            _counters.Increment(SipCounter.ForwardedReplies);
            _counters.ReplySent(reply.Message.StatusCode, sent: true);
        }
        else
        {
            _counters.Increment(SipCounter.DroppedReplies);
        }

        return sent;
    }

    private bool TryRelay(InboundMessage reply)
    {
        var msg = reply.Message;
        var top = msg.TopVia;
        if (top.Host.IsEmpty || !_transports.IsUs(msg.Span(top.Host), top.Port))
        {
            MessageLog.ReplyDropped(_logger, reply.LogTag, "top Via is not ours");
            return false;
        }

        if (!TryFindSecondVia(msg, out var next, out var problem))
        {
            MessageLog.ReplyDropped(_logger, reply.LogTag, problem);
            return false;
        }

        var host = next.Received.IsEmpty ? next.Host : next.Received;
        var port = next.Rport > 0 ? next.Rport : next.Port > 0 ? next.Port : 5060;
        var hostText = Encoding.ASCII.GetString(msg.Span(host)).Trim('[', ']');
        if (!IPAddress.TryParse(hostText, out var address))
        {
            if (!_destinations.TryResolve(Encoding.ASCII.GetBytes(hostText), out var resolved, out var error))
            {
                MessageLog.ReplyDropped(_logger, reply.LogTag, error);
                return false;
            }

            address = resolved!.Address;
        }

        // The transport of the Via it goes to: over TCP/TLS the listener finds the connection the
        // request came on by its address (received + rport), or opens one to the sent-by.
        var protocol = !next.Transport.IsEmpty && SipProtocolText.TryParse(msg.Span(next.Transport), out var named) ? named : SipProtocol.Udp;
        var transport = _transports.For(address.AddressFamily, protocol, reply.Transport);
        if (transport is null)
        {
            MessageLog.ReplyDropped(_logger, reply.LogTag, $"no {SipProtocolText.UriToken(protocol)} listen address of family {address.AddressFamily}");
            return false;
        }

        var editor = reply.Editor();
        editor.RemoveTopVia();
        var length = editor.WriteTo(OutputBuffer.Message);
        if (length < 0)
        {
            return false;
        }

        var sent = transport.Send(OutputBuffer.Message.AsSpan(0, length), new IPEndPoint(address, port).Serialize());
        reply.MarkForwarded(sent);
        return sent;
    }

    /// <summary>The second Via value (the one after ours). False when there is none or it does not parse.</summary>
    private static bool TryFindSecondVia(SipMessage msg, out ViaInfo next, out string problem)
    {
        next = ViaInfo.None;
        problem = "no second Via";
        var seen = 0;
        for (var i = msg.FindHeader(HeaderKind.Via); i >= 0; i = msg.FindHeader(HeaderKind.Via, i + 1))
        {
            foreach (var value in msg.HeaderValues(i))
            {
                if (seen++ == 0)
                {
                    continue;
                }

                if (ViaParser.TryParse(msg.Buffer.Span, value.Start, value.End, out next))
                {
                    return true;
                }

                next = ViaInfo.None;
                problem = "second Via does not parse";
                return false;
            }
        }

        return false;
    }
}
