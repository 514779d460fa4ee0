using System.Text;
using ScriptedSip.Core.Parsing;
using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Core.Processing;

/// <summary>Loose routing (RFC 3261 §16.4 and §16.12) and the relay of replies along the Via path.</summary>
public sealed partial class MessageContext
{
    public override bool LooseRoute()
    {
        if (!IsRequestLike)
        {
            return false;
        }

        // §16.4: a Request-URI naming us means the previous hop was a strict router: the real
        // target is the last Route value, which is taken out of the route set.
        if (RequestUriIsUs() && TryFindRoute(last: true, out var lastHeader, out var lastValue))
        {
            _ru = Msg.GetString(lastValue);
            _ruChanged = true;
            RemoveRouteValue(lastHeader, lastValue);
        }

        if (!TryFindRoute(last: false, out var header, out var value))
        {
            return false;
        }

        // §16.12: our own Route entry is consumed; the next one (if any) is where the request goes.
        if (IsUs(value))
        {
            RemoveRouteValue(header, value);
            if (!TryFindRouteAfter(header, value, out _, out var next))
            {
                return true; // the route set ended with us: the Request-URI is the target
            }

            value = next;
        }

        var uri = Msg.Span(value);
        if (SipUriParser.TryParse(uri, out var parsed) && !parsed.HasLr)
        {
            // The next hop is a strict router: it gets the Request-URI it expects (§16.6 step 6).
            _ru = Msg.GetString(value);
            _ruChanged = true;
        }
        else
        {
            _destination = Msg.GetString(value);
        }

        return true;
    }

    public override bool IsMyself(string? uri)
    {
        if (string.IsNullOrWhiteSpace(uri))
        {
            return false;
        }

        var text = Encoding.UTF8.GetBytes(uri.Contains(':', StringComparison.Ordinal) && uri.StartsWith("sip", StringComparison.OrdinalIgnoreCase) ? uri : "sip:" + uri);
        return SipUriParser.TryParse(text, out var parsed) && _services.Listeners.IsUs(text.AsSpan(parsed.Host.Start, parsed.Host.Length), parsed.Port);
    }

    private bool RequestUriIsUs() =>
        SipUriParser.TryParse(Msg.Span(Msg.RequestUri), out var uri)
        && _services.Listeners.IsUs(Msg.Span(Msg.RequestUri).Slice(uri.Host.Start, uri.Host.Length), uri.Port);

    private bool IsUs(Segment uriSegment)
    {
        var uri = Msg.Span(uriSegment);
        return SipUriParser.TryParse(uri, out var parsed) && _services.Listeners.IsUs(uri.Slice(parsed.Host.Start, parsed.Host.Length), parsed.Port);
    }

    private bool TryFindRoute(bool last, out int headerIndex, out Segment uri)
    {
        headerIndex = -1;
        uri = default;
        var found = false;
        for (var i = Msg.FindHeader(HeaderKind.Route); i >= 0; i = Msg.FindHeader(HeaderKind.Route, i + 1))
        {
            foreach (var value in Msg.HeaderValues(i))
            {
                if (NameAddrParser.TryParse(Msg.Buffer.Span, value.Start, value.End, out var nameAddr))
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

    private bool TryFindRouteAfter(int headerIndex, Segment after, out int nextHeader, out Segment uri)
    {
        for (var i = headerIndex; i >= 0; i = Msg.FindHeader(HeaderKind.Route, i + 1))
        {
            foreach (var value in Msg.HeaderValues(i))
            {
                if (value.Start > after.Start && NameAddrParser.TryParse(Msg.Buffer.Span, value.Start, value.End, out var nameAddr))
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

    private void RemoveRouteValue(int headerIndex, Segment uri)
    {
        var values = 0;
        var first = true;
        var isFirst = false;
        foreach (var value in Msg.HeaderValues(headerIndex))
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
            Editor().RemoveHeader(headerIndex);
        }
        else if (isFirst)
        {
            Editor().RemoveFirstValue(headerIndex);
        }
        else
        {
            // Removing a later value of a combined header: rewrite the header without it.
            var rebuilt = new StringBuilder("Route: ");
            var added = 0;
            foreach (var value in Msg.HeaderValues(headerIndex))
            {
                if (value.Start <= uri.Start && uri.End <= value.End)
                {
                    continue;
                }

                rebuilt.Append(added++ == 0 ? string.Empty : ", ").Append(Msg.GetString(value));
            }

            Editor().RemoveHeader(headerIndex);
            Editor().InsertTopHeader(Encoding.UTF8.GetBytes(rebuilt.Append("\r\n").ToString()));
        }
    }

    /// <summary>
    /// Relays a reply statelessly: the top Via must be ours; it is removed and the reply goes to
    /// the next Via (received / rport honoured). Anything else is dropped, as RFC 3261 §16.7 says.
    /// </summary>
    internal bool RelayReply()
    {
        var top = Msg.TopVia;
        if (top.Host.IsEmpty || !_services.Listeners.IsUs(Msg.Span(top.Host), top.Port))
        {
            ProcessingLog.ReplyDropped(_services.MessageLogger, LogTag, "top Via is not ours");
            return false;
        }

        var seen = 0;
        for (var i = Msg.FindHeader(HeaderKind.Via); i >= 0; i = Msg.FindHeader(HeaderKind.Via, i + 1))
        {
            foreach (var value in Msg.HeaderValues(i))
            {
                if (seen++ == 0)
                {
                    continue;
                }

                if (!ViaParser.TryParse(Msg.Buffer.Span, value.Start, value.End, out var next))
                {
                    ProcessingLog.ReplyDropped(_services.MessageLogger, LogTag, "second Via does not parse");
                    return false;
                }

                var host = next.Received.IsEmpty ? next.Host : next.Received;
                var port = next.Rport > 0 ? next.Rport : next.Port > 0 ? next.Port : 5060;
                var hostText = Encoding.ASCII.GetString(Msg.Span(host)).Trim('[', ']');
                if (!System.Net.IPAddress.TryParse(hostText, out var address))
                {
                    if (!_services.Destinations.TryResolve(Encoding.ASCII.GetBytes(hostText), out var resolved, out var error))
                    {
                        ProcessingLog.ReplyDropped(_services.MessageLogger, LogTag, error);
                        return false;
                    }

                    address = resolved!.Address;
                }

                var listener = _services.Listeners.For(address.AddressFamily, _datagram.Listener);
                if (listener is null)
                {
                    return false;
                }

                var editor = Editor();
                editor.RemoveTopVia();
                var length = editor.WriteTo(_buffers.Output);
                if (length < 0)
                {
                    return false;
                }

                Forwarded = listener.Send(_buffers.Output.AsSpan(0, length), new System.Net.IPEndPoint(address, port).Serialize());
                return Forwarded;
            }
        }

        ProcessingLog.ReplyDropped(_services.MessageLogger, LogTag, "no second Via");
        return false;
    }
}
