using System.Globalization;
using System.Net;
using System.Text;

namespace ScriptedSip.Testing;

/// <summary>
/// Builds a SIP request the way a user agent would send it: <c>SipRequest.Invite("sip:bob@example.com")
/// .From("sip:alice@example.com").Header("X-Suspend", "1")</c>. Unset parts get valid defaults
/// (a fresh Call-ID, From tag and Via branch, CSeq 1, Max-Forwards 70); the Via's sent-by is the
/// address the request is sent from, filled in when it is sent.
/// </summary>
public sealed class SipRequest
{
    private static int s_sequence;
    private readonly List<KeyValuePair<string, string>> _headers = [];
    private readonly HashSet<string> _removed = new(StringComparer.OrdinalIgnoreCase);
    private string _from = "sip:alice@example.org";
    private string _to;
    private string? _contentType;
    private string _body = string.Empty;

    private SipRequest(string method, string requestUri)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(method);
        ArgumentException.ThrowIfNullOrWhiteSpace(requestUri);
        Method = method;
        RequestUri = requestUri;
        _to = requestUri;
        var n = Interlocked.Increment(ref s_sequence).ToString(CultureInfo.InvariantCulture);
        CallIdValue = $"kit-{n}@scriptedsip.test";
        FromTag = "kit" + n;
        BranchValue = "z9hG4bK-kit" + n;
        CSeqNumber = 1;
        MaxForwardsValue = 70;
    }

    /// <summary>The method.</summary>
    public string Method { get; }

    /// <summary>The Request-URI.</summary>
    public string RequestUri { get; }

    /// <summary>The Call-ID.</summary>
    public string CallIdValue { get; private set; }

    /// <summary>The From tag.</summary>
    public string FromTag { get; private set; }

    /// <summary>The To tag; null outside a dialog.</summary>
    public string? ToTag { get; private set; }

    /// <summary>The branch of the Via this request is sent with (a CANCEL or non-2xx ACK reuses it).</summary>
    public string BranchValue { get; private set; }

    /// <summary>The CSeq number.</summary>
    public long CSeqNumber { get; private set; }

    /// <summary>The Max-Forwards value; null when the header is left out.</summary>
    public int? MaxForwardsValue { get; private set; }

    /// <summary>Where the request is sent from unless the send says otherwise.</summary>
    public IPEndPoint? Source { get; private set; }

    /// <summary>A new INVITE.</summary>
    public static SipRequest Invite(string requestUri) => new("INVITE", requestUri);

    /// <summary>A new OPTIONS.</summary>
    public static SipRequest Options(string requestUri) => new("OPTIONS", requestUri);

    /// <summary>A new REGISTER.</summary>
    public static SipRequest Register(string requestUri) => new("REGISTER", requestUri);

    /// <summary>A BYE (for one inside a dialog see <see cref="SentReply.InDialog"/>).</summary>
    public static SipRequest Bye(string requestUri) => new("BYE", requestUri);

    /// <summary>A stand-alone CANCEL (for the CANCEL of a sent INVITE see <see cref="ToCancel"/>).</summary>
    public static SipRequest Cancel(string requestUri) => new("CANCEL", requestUri);

    /// <summary>A stand-alone ACK (see <see cref="SentReply.Ack"/> and <see cref="ToAck"/>).</summary>
    public static SipRequest Ack(string requestUri) => new("ACK", requestUri);

    /// <summary>A new MESSAGE.</summary>
    public static SipRequest Message(string requestUri) => new("MESSAGE", requestUri);

    /// <summary>A new SUBSCRIBE.</summary>
    public static SipRequest Subscribe(string requestUri) => new("SUBSCRIBE", requestUri);

    /// <summary>A request of any method.</summary>
    public static SipRequest Create(string method, string requestUri) => new(method, requestUri);

    /// <summary>The From URI (the tag stays the generated one unless <paramref name="tag"/> is given).</summary>
    public SipRequest From(string uri, string? tag = null)
    {
        _from = uri;
        FromTag = tag ?? FromTag;
        return this;
    }

    /// <summary>The To URI (default: the Request-URI), with a tag for an in-dialog request.</summary>
    public SipRequest To(string uri, string? tag = null)
    {
        _to = uri;
        ToTag = tag ?? ToTag;
        return this;
    }

    /// <summary>Puts a tag on To: the request belongs to a dialog.</summary>
    public SipRequest WithToTag(string tag)
    {
        ToTag = tag;
        return this;
    }

    /// <summary>Sets the Call-ID (default: a fresh one).</summary>
    public SipRequest CallId(string callId)
    {
        CallIdValue = callId;
        return this;
    }

    /// <summary>Sets the CSeq number (default 1).</summary>
    public SipRequest CSeq(long number)
    {
        CSeqNumber = number;
        return this;
    }

    /// <summary>Sets the Via branch (default: a fresh RFC 3261 one).</summary>
    public SipRequest Branch(string branch)
    {
        BranchValue = branch;
        return this;
    }

    /// <summary>The Max-Forwards value; null leaves the header out.</summary>
    public SipRequest MaxForwards(int? value)
    {
        MaxForwardsValue = value;
        return this;
    }

    /// <summary>Adds a header line (after the standard ones; repeat it for several values). A Contact given here replaces the one the builder adds to INVITE, REGISTER and SUBSCRIBE.</summary>
    public SipRequest Header(string name, string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _headers.Add(new(name, value));
        return this;
    }

    /// <summary>Adds a Route header (a preloaded route, or the route set of a dialog).</summary>
    public SipRequest Route(string uri) => Header("Route", uri.StartsWith('<') ? uri : $"<{uri}>");

    /// <summary>Leaves out a header the builder would add (Contact, Max-Forwards …) or one added before.</summary>
    public SipRequest Without(string name)
    {
        _removed.Add(name);
        _headers.RemoveAll(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase));
        return this;
    }

    /// <summary>A body with its Content-Type (Content-Length follows it).</summary>
    public SipRequest Body(string contentType, string body)
    {
        _contentType = contentType;
        _body = body;
        return this;
    }

    /// <summary>The address this request is sent from by default (<c>"192.0.2.10:5060"</c>, <c>"[2001:db8::1]:5060"</c>).</summary>
    public SipRequest SentFrom(string address)
    {
        Source = RouteTestHost.ParseAddress(address);
        return this;
    }

    /// <summary>
    /// The CANCEL of this (INVITE) request as its sender would send it: same Request-URI, Call-ID,
    /// From, To, CSeq number, Via branch and Route headers (RFC 3261 §9.1).
    /// </summary>
    public SipRequest ToCancel() => SameTransaction("CANCEL", ToTag);

    /// <summary>The ACK of a non-2xx final reply to this INVITE (same branch, the reply's To tag; RFC 3261 §17.1.1.3).</summary>
    public SipRequest ToAck(SentReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        return SameTransaction("ACK", SipText.Parameter(reply.Header("To"), "tag"));
    }

    private SipRequest SameTransaction(string method, string? toTag)
    {
        var request = new SipRequest(method, RequestUri)
        {
            _from = _from,
            _to = _to,
            FromTag = FromTag,
            ToTag = toTag,
            CallIdValue = CallIdValue,
            CSeqNumber = CSeqNumber,
            BranchValue = BranchValue,
            Source = Source,
            MaxForwardsValue = MaxForwardsValue,
        };
        request._headers.AddRange(_headers.Where(h => string.Equals(h.Key, "Route", StringComparison.OrdinalIgnoreCase)));
        return request;
    }

    /// <summary>Builds an in-dialog request from the parts of a 2xx reply (used by <see cref="SentReply"/>).</summary>
    internal static SipRequest InDialog(string method, SentReply reply, long cseq)
    {
        var contact = reply.Header("Contact") is { } c ? SipText.UriOf(c) : SipText.UriOf(reply.Header("To") ?? string.Empty);
        var request = new SipRequest(method, contact)
        {
            _from = SipText.UriOf(reply.Header("From") ?? string.Empty),
            _to = SipText.UriOf(reply.Header("To") ?? string.Empty),
        };
        request.FromTag = SipText.Parameter(reply.Header("From"), "tag") ?? request.FromTag;
        request.ToTag = SipText.Parameter(reply.Header("To"), "tag");
        request.CallIdValue = reply.CallId;
        request.CSeqNumber = cseq;
        request.Source = reply.Destination;

        // The UAC's route set is the Record-Route of the 2xx in reverse order (RFC 3261 §12.1.2).
        var routes = reply.HeaderValues("Record-Route").SelectMany(SplitList).Reverse();
        foreach (var route in routes)
        {
            request._headers.Add(new("Route", route));
        }

        return request;
    }

    /// <summary>The request as it goes on the wire when sent from <paramref name="source"/>.</summary>
    public string ToText(IPEndPoint source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{Method} {RequestUri} SIP/2.0\r\n");
        Add(text, "Via", $"SIP/2.0/UDP {source};branch={BranchValue};rport");
        if (MaxForwardsValue is { } maxForwards)
        {
            Add(text, "Max-Forwards", maxForwards.ToString(CultureInfo.InvariantCulture));
        }

        Add(text, "From", $"<{_from}>;tag={FromTag}");
        Add(text, "To", ToTag is null ? $"<{_to}>" : $"<{_to}>;tag={ToTag}");
        Add(text, "Call-ID", CallIdValue);
        Add(text, "CSeq", string.Create(CultureInfo.InvariantCulture, $"{CSeqNumber} {Method}"));
        if (Method is "INVITE" or "REGISTER" or "SUBSCRIBE" && !_headers.Exists(h => string.Equals(h.Key, "Contact", StringComparison.OrdinalIgnoreCase)))
        {
            Add(text, "Contact", $"<sip:{UserOf(_from)}@{source}>");
        }

        foreach (var (name, value) in _headers)
        {
            text.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        }

        if (_contentType is not null)
        {
            Add(text, "Content-Type", _contentType);
        }

        Add(text, "Content-Length", Encoding.UTF8.GetByteCount(_body).ToString(CultureInfo.InvariantCulture));
        text.Append("\r\n").Append(_body);
        return text.ToString();
    }

    /// <summary>Method, Request-URI and Call-ID.</summary>
    public override string ToString() => $"{Method} {RequestUri} (Call-ID {CallIdValue})";

    private void Add(StringBuilder text, string name, string value)
    {
        if (!_removed.Contains(name))
        {
            text.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        }
    }

    private static string UserOf(string uri)
    {
        var colon = uri.IndexOf(':', StringComparison.Ordinal);
        var at = uri.IndexOf('@', StringComparison.Ordinal);
        return colon >= 0 && at > colon ? uri[(colon + 1)..at] : "user";
    }

    /// <summary>Splits a header value list at the commas between entries (not those inside &lt;…&gt; or quotes).</summary>
    internal static IEnumerable<string> SplitList(string value)
    {
        var depth = 0;
        var quoted = false;
        var start = 0;
        for (var i = 0; i < value.Length; i++)
        {
            switch (value[i])
            {
                case '"':
                    quoted = !quoted;
                    break;
                case '<' when !quoted:
                    depth++;
                    break;
                case '>' when !quoted:
                    depth--;
                    break;
                case ',' when !quoted && depth == 0:
                    yield return value[start..i].Trim();
                    start = i + 1;
                    break;
            }
        }

        yield return value[start..].Trim();
    }
}
