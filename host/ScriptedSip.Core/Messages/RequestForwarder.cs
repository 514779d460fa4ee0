using System.Text;
using System.Text.Unicode;
using Microsoft.Extensions.Logging;
using ScriptedSip.Core.Stats;
using ScriptedSip.Core.Transport;

namespace ScriptedSip.Core.Messages;

/// <summary>
/// Writes a request as it leaves towards the next hop (RFC 3261 §16.6: our Via, Record-Route if
/// asked, the new Request-URI, the script's edits, Max-Forwards) and forwards statelessly.
/// </summary>
public sealed class RequestForwarder
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
    public bool ForwardStateless(InboundMessage message, string? uri)
    {
        ArgumentNullException.ThrowIfNull(message);
        var sent = TryForwardStateless(message, uri);
        _counters.Increment(sent ? SipCounter.ForwardedRequests : SipCounter.DroppedRequests);
        return sent;
    }

    private bool TryForwardStateless(InboundMessage message, string? uri)
    {
        var target = uri ?? message.NextHop;
        if (target is null)
        {
            MessageLog.ForwardFailed(_logger, message.LogTag, "no destination");
            return false;
        }

        if (!_destinations.TryResolve(Encoding.UTF8.GetBytes(target), out var endpoint, out var error))
        {
            MessageLog.ForwardFailed(_logger, message.LogTag, error);
            return false;
        }

        var transport = _transports.For(endpoint!.AddressFamily, SipProtocol.Udp, message.Transport);
        if (transport is null)
        {
            MessageLog.ForwardFailed(_logger, message.LogTag, $"no listen address of family {endpoint.AddressFamily}");
            return false;
        }

        Span<byte> branch = stackalloc byte[32];
        if (!Utf8.TryWrite(branch, $"z9hG4bKsl{StatelessBranch.Compute(message.Message):x8}", out var branchLength))
        {
            return false;
        }

        var length = Write(message, transport, branch[..branchLength]);
        if (length < 0)
        {
            return false;
        }

        var sent = transport.Send(OutputBuffer.Message.AsSpan(0, length), endpoint.Serialize());
        message.MarkForwarded(sent);
        return sent;
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

        var editor = message.Editor();
        Span<byte> line = stackalloc byte[256];
        var hostPort = via.Local.HostPort;
        if (message.RecordRouteRequested && !message.RecordRouteWritten
            && Utf8.TryWrite(line, $"Record-Route: <sip:{hostPort};lr>\r\n", out var rrLength))
        {
            editor.InsertTopHeader(line[..rrLength]);
            message.RecordRouteWritten = true;
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
}
