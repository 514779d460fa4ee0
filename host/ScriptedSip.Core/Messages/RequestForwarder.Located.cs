using System.Text.Unicode;
using ScriptedSip.Core.Stats;
using ScriptedSip.Core.Transport;
using ScriptedSip.Core.Transport.ServerLocation;

namespace ScriptedSip.Core.Messages;

/// <summary>Stateless forwarding to a host name whose location is still being looked up (RFC 3263).</summary>
public sealed partial class RequestForwarder
{
    /// <summary>Our stateless Via branch (§16.11): derived from the request, so a retransmission gets the same one.</summary>
    private static bool TryWriteStatelessBranch(InboundMessage message, Span<byte> branch, out int length) =>
        Utf8.TryWrite(branch, $"z9hG4bKsl{StatelessBranch.Compute(message.Message):x8}", out length);

    /// <summary>
    /// Writes the request now, without our Via and Record-Route (the listener is known only from the
    /// answer), and sends it when DNS answers, from the thread that completes the lookup — never
    /// from a worker. Kamailio's forward() blocks its worker on the lookup instead.
    /// </summary>
    private bool ForwardWhenLocated(InboundMessage message, DestinationLookup lookup)
    {
        Span<byte> branch = stackalloc byte[32];
        var recordRoute = message.RecordRouteRequested && !message.RecordRouteWritten;
        if (!TryWriteStatelessBranch(message, branch, out var branchLength) || WriteTemplate(message) is not { } template)
        {
            _counters.Increment(SipCounter.DroppedRequests);
            return false;
        }

        var incoming = message.Transport is Transport.Streams.StreamConnection connection ? connection.Listener : message.Transport;
        var pending = new PendingForward(this, template, branch[..branchLength].ToArray(), incoming, message.Transport, message.ForcedProtocol, recordRoute, message.LogTag, lookup.Hop);
        lookup.WhenAnswered(pending);
        message.MarkForwarded(true);
        return true;
    }

    private void SendLocated(PendingForward forward, LocatedServers answer)
    {
        var lookup = _destinations.Answer(forward.Hop, answer);
        if (lookup.Status != DestinationStatus.Resolved)
        {
            MessageLog.ForwardFailed(_logger, forward.LogTag, lookup.Error);
            _counters.Increment(SipCounter.DroppedRequests);
            return;
        }

        var target = lookup.Targets[0];
        var tooLarge = forward.Template.Length + OurHeaders > Limit;
        var transport = TransportFor(target, forward.Hop, forward.Forced, forward.Preferred, tooLarge, out var protocol);
        var request = transport is null ? null : HopTemplate.Compose(forward.Template, forward.Incoming, transport, forward.Branch, forward.RecordRoute);
        if (transport is null || request is null)
        {
            MessageLog.ForwardFailed(_logger, forward.LogTag, $"no {SipProtocolText.UriToken(protocol)} listen address of family {target.EndPoint.AddressFamily}");
            _counters.Increment(SipCounter.DroppedRequests);
            return;
        }

        var hop = new SelectedHop(target.EndPoint, transport, protocol == SipProtocol.Tls ? forward.Hop.Host : null);
        var sent = hop.Send(request, target.EndPoint.Serialize(), null, null);
        _counters.Increment(sent ? SipCounter.ForwardedRequests : SipCounter.DroppedRequests);
    }

    /// <summary>A request written while its next hop is looked up, with what choosing its listener needs.</summary>
    private sealed record PendingForward(
        RequestForwarder Owner,
        byte[] Template,
        byte[] Branch,
        ISipTransport? Incoming,
        ISipTransport? Preferred,
        SipProtocol? Forced,
        bool RecordRoute,
        string LogTag,
        HopTransport Hop) : IWaitsForLocation
    {
        public void Located(LocatedServers answer) => Owner.SendLocated(this, answer);
    }
}
