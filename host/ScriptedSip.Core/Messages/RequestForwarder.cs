using System.Text;
using System.Text.Unicode;
using Microsoft.Extensions.Logging;
using ScriptedSip.Core.Stats;
using ScriptedSip.Core.Transport;
using ScriptedSip.Core.Transport.ServerLocation;

namespace ScriptedSip.Core.Messages;

/// <summary>
/// Writes a request as it leaves towards the next hop (RFC 3261 §16.6: our Via, Record-Route if
/// asked, the new Request-URI, the script's edits, Max-Forwards) and forwards statelessly.
/// </summary>
public sealed partial class RequestForwarder
{
    private readonly TransportSet _transports;
    private readonly DestinationResolver _destinations;
    private readonly StatelessReplier _replier;
    private readonly SipCounters _counters;
    private readonly ILogger _logger;

    public RequestForwarder(TransportSet transports, DestinationResolver destinations, StatelessReplier replier, SipCounters counters, ILogger logger)
    {
        _transports = transports;
        _destinations = destinations;
        _replier = replier;
        _counters = counters;
        _logger = logger;
    }

    /// <summary>
    /// Max-Forwards processing (Kamailio's mf_process_maxfwd_header): a request without the header
    /// gets one with <paramref name="limit"/>; otherwise the value is decremented. False when it is
    /// already 0 (the caller answers 483).
    /// </summary>
    public static bool ProcessMaxForwards(InboundMessage message, int limit)
    {
        ArgumentNullException.ThrowIfNull(message);
        message.MaxForwardsDone = true;
        var current = message.Message.MaxForwards;
        if (current < 0)
        {
            message.Editor().AppendHeader(Encoding.ASCII.GetBytes($"Max-Forwards: {Math.Clamp(limit, 0, 255)}\r\n"));
            return true;
        }

        if (current == 0)
        {
            return false;
        }

        message.Editor().SetMaxForwards(current - 1);
        return true;
    }

    /// <summary>Forwards statelessly (Forward(), and TRelay of an ACK) with a branch derived from the request (§16.11).</summary>
    /// <remarks>
    /// A host name not cached yet does not hold the worker: the request is written now (without our
    /// Via and Record-Route) and sent from the DNS answer (see <c>ForwardWhenLocated</c>); true then means "on its way".
    /// </remarks>
    public bool ForwardStateless(InboundMessage message, string? uri)
    {
        ArgumentNullException.ThrowIfNull(message);
        var target = uri ?? message.NextHop;
        var lookup = target is null ? default : _destinations.Locate(Encoding.UTF8.GetBytes(target));
        if (lookup.Status == DestinationStatus.Pending)
        {
            return ForwardWhenLocated(message, lookup);
        }

        var sent = TryForwardStateless(message, target, lookup);
        _counters.Increment(sent ? SipCounter.ForwardedRequests : SipCounter.DroppedRequests);
        return sent;
    }

    private bool TryForwardStateless(InboundMessage message, string? target, in DestinationLookup lookup)
    {
        if (target is null)
        {
            MessageLog.ForwardFailed(_logger, message.LogTag, "no destination");
            return false;
        }

        if (!TrySelectHop(message, lookup, message.Transport, out var hop, out var error))
        {
            MessageLog.ForwardFailed(_logger, message.LogTag, error);
            return false;
        }

        var transport = hop.Transport;

        Span<byte> branch = stackalloc byte[32];
        if (!TryWriteStatelessBranch(message, branch, out var branchLength))
        {
            return false;
        }

        var length = Write(message, transport, branch[..branchLength]);
        if (length < 0)
        {
            return false;
        }

        var sent = hop.Send(OutputBuffer.Message.AsSpan(0, length), SharedAddresses.Of(hop.EndPoint), null, null);
        message.MarkForwarded(sent);
        return sent;
    }

    /// <summary>
    /// Where a request to <paramref name="target"/> goes and over which of our listeners: the transport
    /// the URI names (<c>;transport=</c>, <c>sips:</c>), else the one loose routing found in our second
    /// Record-Route entry, else UDP — or TCP when the request would leave larger than 1300 bytes
    /// (RFC 3261 §18.1.1) and a TCP listener of that address family exists.
    /// </summary>
    public bool TrySelectHop(InboundMessage message, string target, ISipTransport? preferred, out SelectedHop hop, out string error)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(target);
        return TrySelectHop(message, _destinations.Locate(Encoding.UTF8.GetBytes(target)), preferred, out hop, out error);
    }

    /// <summary><see cref="TrySelectHop(InboundMessage, string, ISipTransport?, out SelectedHop, out string)"/> for a destination already looked up: its first address.</summary>
    public bool TrySelectHop(InboundMessage message, in DestinationLookup lookup, ISipTransport? preferred, out SelectedHop hop, out string error)
    {
        ArgumentNullException.ThrowIfNull(message);
        hop = default;
        error = lookup.Error;
        if (lookup.Status != DestinationStatus.Resolved)
        {
            return false;
        }

        var target = lookup.Targets[0];
        var large = lookup.Hop.Named is null && message.ForcedProtocol is null && target.Protocol is null && WouldBeTooLargeForUdp(message);
        var transport = TransportFor(target, lookup.Hop, message.ForcedProtocol, preferred, large, out var protocol);
        if (transport is null)
        {
            error = $"no {SipProtocolText.UriToken(protocol)} listen address of family {target.EndPoint.AddressFamily}";
            return false;
        }

        hop = new SelectedHop(target.EndPoint, transport, protocol == SipProtocol.Tls ? lookup.Hop.Host : null);
        return true;
    }

    /// <summary>
    /// The listener towards one target: the transport the URI names, else the one loose routing
    /// forced, else the one DNS found it for (NAPTR/SRV), else UDP — or TCP when the request would
    /// be too large for UDP and a TCP listener of that family exists. Null: no such listener.
    /// </summary>
    public ISipTransport? TransportFor(ServerTarget target, HopTransport named, SipProtocol? forced, ISipTransport? preferred, bool tooLargeForUdp, out SipProtocol protocol)
    {
        var family = target.EndPoint.AddressFamily;
        protocol = named.Named ?? forced ?? target.Protocol ?? SipProtocol.Udp;
        if (named.Named is null && forced is null && target.Protocol is null && tooLargeForUdp && _transports.For(family, SipProtocol.Tcp, null) is not null)
        {
            protocol = SipProtocol.Tcp;
        }

        return _transports.For(family, protocol, preferred);
    }

    /// <summary>§18.1.1's size above which a request goes over TCP when it can (the path MTU being unknown).</summary>
    public const int Limit = 1300;

    /// <summary>What our Via and Record-Route add, allowed for when measuring.</summary>
    public const int OurHeaders = 250;

    /// <summary>
    /// §18.1.1: larger than 1300 bytes (the path MTU being unknown) once our Via and Record-Route are in.
    /// Measured only for messages that come close: 250 bytes are allowed for what we add.
    /// </summary>
    private static bool WouldBeTooLargeForUdp(InboundMessage message)
    {
        if (message.Datagram.Length + OurHeaders <= Limit - 400)
        {
            return false; // far below: edits of that size are not made by routing scripts
        }

        var length = message.Editor().WriteTo(OutputBuffer.Message);
        return length < 0 || length + OurHeaders > Limit;
    }

    /// <summary>
    /// Writes the request as it leaves through <paramref name="via"/> into <see cref="OutputBuffer.Message"/>.
    /// The length, or -1 when it cannot be sent (Max-Forwards reached 0: 483 was answered; or it does not fit).
    /// </summary>
    public int Write(InboundMessage message, ISipTransport via, ReadOnlySpan<byte> branch)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(via);
        if (!message.MaxForwardsDone && !ProcessMaxForwards(message, 70))
        {
            _replier.Reply(message, 483, "Too Many Hops", default);
            return -1;
        }

        MarkViaSource(message);

        var editor = message.Editor();
        Span<byte> line = stackalloc byte[256];
        var hostPort = via.Local.HostPort;
        if (message.RecordRouteRequested && !message.RecordRouteWritten)
        {
            WriteRecordRoute(message, via, line);
        }

        if (!Utf8.TryWrite(line, $"Via: SIP/2.0/{SipProtocolText.ViaToken(via.Protocol)} {hostPort};branch=", out var viaLength)
            || !branch.TryCopyTo(line[viaLength..]))
        {
            return -1;
        }

        viaLength += branch.Length;
        "\r\n"u8.CopyTo(line[viaLength..]);
        editor.InsertTopHeader(line[..(viaLength + 2)]);
        if (message.RequestUriChanged && message.RequestUri is { } uri)
        {
            editor.SetRequestUri(Encoding.UTF8.GetBytes(uri));
        }

        var length = editor.WriteTo(OutputBuffer.Message);
        if (length < 0)
        {
            MessageLog.ForwardFailed(_logger, message.LogTag, "the forwarded message does not fit in a datagram");
        }

        return length;
    }

    /// <summary>
    /// Writes the request as <see cref="Write"/> does but without our Via and Record-Route (see
    /// <see cref="HopTemplate"/>): for a next hop that is a host name, whose listener is known only
    /// once DNS has answered. Null when it cannot be sent (483 was answered, or it does not fit).
    /// </summary>
    public byte[]? WriteTemplate(InboundMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!message.MaxForwardsDone && !ProcessMaxForwards(message, 70))
        {
            _replier.Reply(message, 483, "Too Many Hops", default);
            return null;
        }

        MarkViaSource(message);

        var editor = message.Editor();
        if (message.RequestUriChanged && message.RequestUri is { } uri)
        {
            editor.SetRequestUri(Encoding.UTF8.GetBytes(uri));
        }

        var length = editor.WriteTo(OutputBuffer.Message);
        if (length < 0)
        {
            MessageLog.ForwardFailed(_logger, message.LogTag, "the forwarded message does not fit in a datagram");
            return null;
        }

        return OutputBuffer.Message.AsSpan(0, length).ToArray();
    }

    /// <summary>The sender's Via gets received/rport (RFC 3261 §18.2.1, RFC 3581); the editor does it once per message, however many branches it leaves on.</summary>
    private static void MarkViaSource(InboundMessage message)
    {
        Span<byte> ip = stackalloc byte[64];
        var length = SocketAddressText.FormatIp(message.Source, ip);
        if (length > 0)
        {
            message.Editor().MarkTopViaSource(ip[..length], SocketAddressText.Port(message.Source));
        }
    }

    /// <summary>
    /// Our Record-Route: one entry when the request leaves through the listener it came in on; two
    /// when it changes listener (another transport or address), the outgoing one first, each naming
    /// its transport and marked <c>r2=on</c> (Kamailio's double record-routing), so that in-dialog
    /// requests from either side find the listener towards the other and loose routing takes both.
    /// </summary>
    private static void WriteRecordRoute(InboundMessage message, ISipTransport outgoing, Span<byte> line)
    {
        var incoming = message.Transport is Transport.Streams.StreamConnection connection ? connection.Listener : message.Transport;
        var editor = message.Editor();
        if (incoming is null || ReferenceEquals(incoming, outgoing) || incoming.Local == outgoing.Local)
        {
            var transport = outgoing.Protocol == SipProtocol.Udp ? string.Empty : ";transport=" + SipProtocolText.UriToken(outgoing.Protocol);
            if (Utf8.TryWrite(line, $"Record-Route: <sip:{outgoing.Local.HostPort}{transport};lr>", out var length))
            {
                editor.InsertTopHeader(line[..length]);
            }
        }
        else
        {
            foreach (var side in (ReadOnlySpan<ISipTransport>)[outgoing, incoming])
            {
                if (Utf8.TryWrite(line, $"Record-Route: <sip:{side.Local.HostPort};transport={SipProtocolText.UriToken(side.Protocol)};lr;r2=on>", out var length))
                {
                    editor.InsertTopHeader(line[..length]);
                }
            }
        }

        message.RecordRouteWritten = true;
    }
}

/// <summary>A resolved next hop: its address, the listener it leaves through, and (TLS) the name its certificate must carry.</summary>
public readonly record struct SelectedHop(System.Net.IPEndPoint EndPoint, ISipTransport Transport, string? ServerName)
{
    /// <summary>
    /// Sends over the hop's listener. A stream listener reuses or opens a connection without waiting;
    /// <paramref name="failed"/> hears (on a thread-pool thread) when it cannot be opened.
    /// </summary>
    public bool Send(ReadOnlySpan<byte> message, System.Net.SocketAddress destination, Action<object, string>? failed, object? state) =>
        Transport is Transport.Streams.StreamListener listener
            ? listener.Send(message, destination, ServerName, failed, state)
            : Transport.Send(message, destination);
}
