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
            RemoveRouteValue(message, lastHeader, lastValue);
        }

        if (!TryFindRoute(msg, last: false, out var header, out var value))
        {
            return false;
        }

        // §16.12: our own Route entry is consumed; the next one (if any) is where the request goes.
        if (IsUs(msg, value))
        {
            RemoveRouteValue(message, header, value);
            if (!TryFindRouteAfter(msg, header, value, out _, out var next))
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

        var text = Encoding.UTF8.GetBytes(uri.Contains(':', StringComparison.Ordinal) && uri.StartsWith("sip", StringComparison.OrdinalIgnoreCase) ? uri : "sip:" + uri);
        return SipUriParser.TryParse(text, out var parsed) && _transports.IsUs(text.AsSpan(parsed.Host.Start, parsed.Host.Length), parsed.Port);
    }

    private bool RequestUriIsUs(SipMessage msg) =>
        SipUriParser.TryParse(msg.Span(msg.RequestUri), out var uri)
        && _transports.IsUs(msg.Span(msg.RequestUri).Slice(uri.Host.Start, uri.Host.Length), uri.Port);

    private bool IsUs(SipMessage msg, Segment uriSegment)
    {
        var uri = msg.Span(uriSegment);
        return SipUriParser.TryParse(uri, out var parsed) && _transports.IsUs(uri.Slice(parsed.Host.Start, parsed.Host.Length), parsed.Port);
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

    private static void RemoveRouteValue(InboundMessage message, int headerIndex, Segment uri)
    {
        var msg = message.Message;
        var values = 0;
        var first = true;
        var isFirst = false;
        foreach (var value in msg.HeaderValues(headerIndex))
        {
            if (first && value.Start <= uri.Start && uri.End <= value.End)
            {
                isFirst = true;
            }

            first = false;
            values++;
        }

        if (values <= 1)
        {
            message.Editor().RemoveHeader(headerIndex);
        }
        else if (isFirst)
        {
            message.Editor().RemoveFirstValue(headerIndex);
        }
        else
        {
            // Removing a later value of a combined header: rewrite the header without it.
            var rebuilt = new StringBuilder("Route: ");
            var added = 0;
            foreach (var value in msg.HeaderValues(headerIndex))
            {
                if (value.Start <= uri.Start && uri.End <= value.End)
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
