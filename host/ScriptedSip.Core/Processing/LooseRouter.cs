using System.Buffers;
using System.Text;
using ScriptedSip.Core.Messages;
using ScriptedSip.Core.Parsing;
using ScriptedSip.Core.Transport;

namespace ScriptedSip.Core.Processing;

/// <summary>
/// Loose routing (RFC 3261 §16.4 and §16.12, Kamailio's loose_route): our own entries at the top
/// of the Route set are consumed — also on initial requests, where a UA with an outbound proxy
/// preloads one — and the next entry becomes the destination; a Request-URI naming us after a
/// strict router is replaced by the last Route value.
/// </summary>
public sealed class LooseRouter
{
    private readonly TransportSet _transports;

    public LooseRouter(TransportSet transports) => _transports = transports;

    public bool LooseRoute(InboundMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!message.IsRequestLike)
        {
            return false;
        }

        var msg = message.Message;

        // §16.4: a Request-URI naming us means the previous hop was a strict router: the real
        // target is the last Route value, which is taken out of the route set.
        if (RequestUriIsUs(msg) && TryFindRoute(msg, last: true, out var lastHeader, out var lastValue))
        {
            message.SetRequestUri(msg.GetString(lastValue));
            RemoveRouteValues(message, lastHeader, lastValue, null);
        }

        if (!TryFindRoute(msg, last: false, out var header, out var value))
        {
            return false;
        }

        // §16.12: our own Route entry is consumed; the next one (if any) is where the request goes.
        if (IsUs(msg, value))
        {
            var hasNext = TryFindRouteAfter(msg, header, value, out var nextHeader, out var next);

            // Double record-routing: our second entry names the listener towards the next hop;
            // it is consumed too and its transport is the one the request leaves on.
            if (hasNext && HasR2(msg, value) && IsUs(msg, next))
            {
                message.ForcedProtocol = TransportOf(msg, next);
                RemoveRouteValues(message, header, value, nextHeader == header ? next : null);
                if (nextHeader != header)
                {
                    RemoveRouteValues(message, nextHeader, next, null);
                }

                hasNext = TryFindRouteAfter(msg, nextHeader, next, out _, out next);
            }
            else
            {
                RemoveRouteValues(message, header, value, null);
            }

            if (!hasNext)
            {
                return true; // the route set ended with us: the Request-URI is the target
            }

            value = next;
        }

        var uri = msg.Span(value);
        if (SipUriParser.TryParse(uri, out var parsed) && !parsed.HasLr)
        {
            // The next hop is a strict router: it gets the Request-URI it expects (§16.6 step 6).
            message.SetRequestUri(msg.GetString(value));
        }
        else
        {
            message.Destination = msg.GetString(value);
        }

        return true;
    }

    public bool IsMyself(string? uri)
    {
        if (string.IsNullOrWhiteSpace(uri))
        {
            return false;
        }

        // Scripts ask this several times per request (From, Request-URI): the URI is encoded into a
        // stack buffer (a pooled one when long), never a new array.
        var prefix = uri.Contains(':', StringComparison.Ordinal) && uri.StartsWith("sip", StringComparison.OrdinalIgnoreCase) ? 0 : SipScheme.Length;
        var length = prefix + Encoding.UTF8.GetByteCount(uri); // exact: the stack serves every URI up to 512 bytes
        byte[]? rented = null;
        var buffer = length <= StackUriBytes ? stackalloc byte[StackUriBytes] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            SipScheme[..prefix].CopyTo(buffer);
            var text = buffer[..(prefix + Encoding.UTF8.GetBytes(uri, buffer[prefix..]))];
            return SipUriParser.TryParse(text, out var parsed) && _transports.IsUs(text.Slice(parsed.Host.Start, parsed.Host.Length), parsed.Port);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private const int StackUriBytes = 512;

    private static ReadOnlySpan<byte> SipScheme => "sip:"u8;

    private bool RequestUriIsUs(SipMessage msg) =>
        SipUriParser.TryParse(msg.Span(msg.RequestUri), out var uri)
        && _transports.IsUs(msg.Span(msg.RequestUri).Slice(uri.Host.Start, uri.Host.Length), uri.Port);

    private bool IsUs(SipMessage msg, Segment uriSegment)
    {
        var uri = msg.Span(uriSegment);
        return SipUriParser.TryParse(uri, out var parsed) && _transports.IsUs(uri.Slice(parsed.Host.Start, parsed.Host.Length), parsed.Port);
    }

    private static bool HasR2(SipMessage msg, Segment uriSegment)
    {
        var uri = msg.Span(uriSegment);
        return SipUriParser.TryParse(uri, out var parsed) && !parsed.Params.IsEmpty
            && uri.Slice(parsed.Params.Start, parsed.Params.Length).IndexOf("r2=on"u8) >= 0;
    }

    private static SipProtocol TransportOf(SipMessage msg, Segment uriSegment)
    {
        var uri = msg.Span(uriSegment);
        return SipUriParser.TryParse(uri, out var parsed) && !parsed.Transport.IsEmpty
            && SipProtocolText.TryParse(uri.Slice(parsed.Transport.Start, parsed.Transport.Length), out var protocol)
            ? protocol
            : SipProtocol.Udp;
    }

    private static bool TryFindRoute(SipMessage msg, bool last, out int headerIndex, out Segment uri)
    {
        headerIndex = -1;
        uri = default;
        var found = false;
        for (var i = msg.FindHeader(HeaderKind.Route); i >= 0; i = msg.FindHeader(HeaderKind.Route, i + 1))
        {
            foreach (var value in msg.HeaderValues(i))
            {
                if (NameAddrParser.TryParse(msg.Buffer.Span, value.Start, value.End, out var nameAddr))
                {
                    headerIndex = i;
                    uri = nameAddr.Uri;
                    found = true;
                    if (!last)
                    {
                        return true;
                    }
                }
            }
        }

        return found;
    }

    private static bool TryFindRouteAfter(SipMessage msg, int headerIndex, Segment after, out int nextHeader, out Segment uri)
    {
        for (var i = headerIndex; i >= 0; i = msg.FindHeader(HeaderKind.Route, i + 1))
        {
            foreach (var value in msg.HeaderValues(i))
            {
                if (value.Start > after.Start && NameAddrParser.TryParse(msg.Buffer.Span, value.Start, value.End, out var nameAddr))
                {
                    nextHeader = i;
                    uri = nameAddr.Uri;
                    return true;
                }
            }
        }

        nextHeader = -1;
        uri = default;
        return false;
    }

    /// <summary>Removes one value (or two of the same header) from a Route header; the header goes when nothing is left.</summary>
    private static void RemoveRouteValues(InboundMessage message, int headerIndex, Segment uri, Segment? also)
    {
        var msg = message.Message;
        static bool Holds(Segment value, Segment s) => value.Start <= s.Start && s.End <= value.End;
        var values = 0;
        var removed = 0;
        var firstRemoved = false;
        foreach (var value in msg.HeaderValues(headerIndex))
        {
            if (Holds(value, uri) || (also is { } a && Holds(value, a)))
            {
                removed++;
                firstRemoved |= values == 0;
            }

            values++;
        }

        if (values <= removed)
        {
            message.Editor().RemoveHeader(headerIndex);
        }
        else if (removed == 1 && firstRemoved)
        {
            message.Editor().RemoveFirstValue(headerIndex);
        }
        else
        {
            // Removing a later value (or two) of a combined header: rewrite the header without them.
            var rebuilt = new StringBuilder("Route: ");
            var added = 0;
            foreach (var value in msg.HeaderValues(headerIndex))
            {
                if (Holds(value, uri) || (also is { } a && Holds(value, a)))
                {
                    continue;
                }

                rebuilt.Append(added++ == 0 ? string.Empty : ", ").Append(msg.GetString(value));
            }

            message.Editor().RemoveHeader(headerIndex);
            message.Editor().InsertTopHeader(Encoding.UTF8.GetBytes(rebuilt.Append("\r\n").ToString()));
        }
    }
}
