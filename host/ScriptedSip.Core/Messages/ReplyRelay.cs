using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using ScriptedSip.Core.Parsing;
using ScriptedSip.Core.Stats;
using ScriptedSip.Core.Transport;
using ScriptedSip.Core.Transport.ServerLocation;

namespace ScriptedSip.Core.Messages;

/// <summary>
/// Relays a reply statelessly along its Via path (RFC 3261 §16.7 step 9 / §18.2.2): the top Via
/// must be ours; it is removed and the reply goes to the next Via (received / rport honoured; a
/// sent-by host name without received is located by DNS, RFC 3263 §5, the reply waiting for a name
/// not cached yet). Anything else is dropped.
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
        var outcome = TryRelay(reply);
        if (outcome != Outcome.Pending)
        {
            Count(outcome == Outcome.Sent, reply.Message.StatusCode);
        }

        return outcome != Outcome.Dropped;
    }

    private enum Outcome
    {
        Sent,
        Dropped,

        /// <summary>Written, waiting for DNS to answer for the Via's host name; counted when sent.</summary>
        Pending,
    }

    private void Count(bool sent, int status)
    {
        if (sent)
        {
            _counters.Increment(SipCounter.ForwardedReplies);
            _counters.ReplySent(status, sent: true);
        }
        else
        {
            _counters.Increment(SipCounter.DroppedReplies);
        }
    }

    private Outcome TryRelay(InboundMessage reply)
    {
        var msg = reply.Message;
        var top = msg.TopVia;
        if (top.Host.IsEmpty || !_transports.IsUs(msg.Span(top.Host), top.Port))
        {
            MessageLog.ReplyDropped(_logger, reply.LogTag, "top Via is not ours");
            return Outcome.Dropped;
        }

        if (!TryFindSecondVia(msg, out var next, out var problem))
        {
            MessageLog.ReplyDropped(_logger, reply.LogTag, problem);
            return Outcome.Dropped;
        }

        var host = next.Received.IsEmpty ? next.Host : next.Received;
        var port = next.Rport > 0 ? next.Rport : next.Port > 0 ? next.Port : 5060;
        var hostText = Encoding.ASCII.GetString(msg.Span(host)).Trim('[', ']');
        // The transport of the Via it goes to: over TCP/TLS the listener finds the connection the
        // request came on by its address (received + rport), or opens one to the sent-by.
        var protocol = !next.Transport.IsEmpty && SipProtocolText.TryParse(msg.Span(next.Transport), out var named) ? named : SipProtocol.Udp;
        if (!IPAddress.TryParse(hostText, out var address))
        {
            // A sent-by name without received (a request this server did not pass on itself: those
            // carry received). RFC 3263 §5: located by DNS with the Via's transport — by SRV when the
            // sent-by has no port (the port then comes from the SRV record), else by address only.
            // Not cached yet, the reply waits for the answer.
            var explicitPort = next.Rport > 0 ? next.Rport : next.Port;
            var target = explicitPort > 0
                ? $"sip:{hostText}:{explicitPort};transport={SipProtocolText.UriToken(protocol)}"
                : $"sip:{hostText};transport={SipProtocolText.UriToken(protocol)}";
            var lookup = _destinations.Locate(Encoding.ASCII.GetBytes(target));
            if (lookup.Status == DestinationStatus.Pending)
            {
                return RelayWhenLocated(reply, lookup, protocol);
            }

            if (lookup.Status != DestinationStatus.Resolved)
            {
                MessageLog.ReplyDropped(_logger, reply.LogTag, lookup.Error);
                return Outcome.Dropped;
            }

            address = lookup.Targets[0].EndPoint.Address;
            port = lookup.Targets[0].EndPoint.Port;
        }

        var length = WriteWithoutOurVia(reply);
        if (length < 0)
        {
            return Outcome.Dropped;
        }

        var sent = Send(OutputBuffer.Message.AsSpan(0, length), address, port, protocol, reply.Transport, reply.LogTag);
        reply.MarkForwarded(sent);
        return sent ? Outcome.Sent : Outcome.Dropped;
    }

    private static int WriteWithoutOurVia(InboundMessage reply)
    {
        var editor = reply.Editor();
        editor.RemoveTopVia();
        return editor.WriteTo(OutputBuffer.Message);
    }

    private bool Send(ReadOnlySpan<byte> bytes, IPAddress address, int port, SipProtocol protocol, ISipTransport? preferred, string logTag)
    {
        var transport = _transports.For(address.AddressFamily, protocol, preferred);
        if (transport is null)
        {
            MessageLog.ReplyDropped(_logger, logTag, $"no {SipProtocolText.UriToken(protocol)} listen address of family {address.AddressFamily}");
            return false;
        }

        return transport.Send(bytes, new IPEndPoint(address, port).Serialize());
    }

    /// <summary>Writes the reply now and sends it when DNS answers, from the thread that completes the lookup — never a worker.</summary>
    private Outcome RelayWhenLocated(InboundMessage reply, DestinationLookup lookup, SipProtocol protocol)
    {
        var length = WriteWithoutOurVia(reply);
        if (length < 0)
        {
            return Outcome.Dropped;
        }

        var pending = new PendingReply(this, OutputBuffer.Message.AsSpan(0, length).ToArray(), lookup.Hop, protocol, reply.Transport, reply.LogTag, reply.Message.StatusCode);
        lookup.WhenAnswered(pending);
        reply.MarkForwarded(true);
        return Outcome.Pending;
    }

    private void SendLocated(PendingReply reply, LocatedServers answer)
    {
        var lookup = _destinations.Answer(reply.Hop, answer);
        var sent = false;
        if (lookup.Status != DestinationStatus.Resolved)
        {
            MessageLog.ReplyDropped(_logger, reply.LogTag, lookup.Error);
        }
        else
        {
            var to = lookup.Targets[0].EndPoint;
            sent = Send(reply.Bytes, to.Address, to.Port, reply.Protocol, reply.Preferred, reply.LogTag);
        }

        Count(sent, reply.Status);
    }

    /// <summary>A relayed reply written while the host name of its Via is looked up.</summary>
    private sealed record PendingReply(ReplyRelay Owner, byte[] Bytes, HopTransport Hop, SipProtocol Protocol, ISipTransport? Preferred, string LogTag, int Status) : IWaitsForLocation
    {
        public void Located(LocatedServers answer) => Owner.SendLocated(this, answer);
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
