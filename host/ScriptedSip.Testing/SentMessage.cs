using System.Net;
using System.Text;

namespace ScriptedSip.Testing;

/// <summary>A message the server sent: where to, from which listen address, and its exact bytes.</summary>
public abstract class SentMessage : SipText
{
    private protected SentMessage(RouteTestHost host, byte[] bytes, IPEndPoint destination, string local)
        : base(Encoding.UTF8.GetString(bytes))
    {
        Host = host;
        Bytes = bytes;
        Destination = destination;
        Local = local;
    }

    /// <summary>The exact outgoing message.</summary>
    public IReadOnlyList<byte> Bytes { get; }

    /// <summary>Where it was sent.</summary>
    public IPEndPoint Destination { get; }

    /// <summary>The transport it left on, as in a Via (<c>UDP</c>).</summary>
    public string Transport { get; } = "UDP";

    /// <summary>The listen address it left from (<c>udp:127.0.0.1:5060</c>).</summary>
    public string Local { get; }

    private protected RouteTestHost Host { get; }
}

/// <summary>A reply the server sent (its own, such as 100 Trying or a script's <c>SlSendReply</c>, or one relayed from a next hop).</summary>
public sealed class SentReply : SentMessage
{
    internal SentReply(RouteTestHost host, byte[] bytes, IPEndPoint destination, string local)
        : base(host, bytes, destination, local)
    {
        var parts = StartLine.Split(' ', 3);
        Status = parts.Length > 1 && int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var status) ? status : 0;
        Reason = parts.Length > 2 ? parts[2] : string.Empty;
    }

    /// <summary>The status code.</summary>
    public int Status { get; }

    /// <summary>The reason phrase.</summary>
    public string Reason { get; }

    /// <summary>The ACK of this 2xx as the caller sends it: along the dialog's route set to the Contact (RFC 3261 §13.2.2.4).</summary>
    public SipRequest Ack() => SipRequest.InDialog("ACK", this, CSeqNumber);

    /// <summary>A request in the dialog this 2xx set up, sent by the caller (BYE, re-INVITE …), with the next CSeq.</summary>
    public SipRequest InDialog(string method) => SipRequest.InDialog(method, this, CSeqNumber + 1);

    /// <summary>Status, reason and destination.</summary>
    public override string ToString() => $"{Status} {Reason} → {Destination}";
}

/// <summary>A request the server sent to a next hop. Play that next hop with <see cref="Respond"/>.</summary>
public sealed class RelayedRequest : SentMessage
{
    private string? _toTag;

    internal RelayedRequest(RouteTestHost host, byte[] bytes, IPEndPoint destination, string local)
        : base(host, bytes, destination, local)
    {
        var parts = StartLine.Split(' ', 3);
        Method = parts[0];
        RequestUri = parts.Length > 1 ? parts[1] : string.Empty;
    }

    /// <summary>The method of the request line.</summary>
    public string Method { get; }

    /// <summary>The Request-URI as sent (after any rewrite by the route).</summary>
    public string RequestUri { get; }

    /// <summary>
    /// The next hop answers: a reply built from this request (its Vias, From, To with a tag for
    /// anything but 100, Call-ID, CSeq, Record-Route, a Contact for 1xx/2xx) is sent to the server
    /// from <see cref="SentMessage.Destination"/>, and everything it causes runs before this returns.
    /// </summary>
    /// <param name="status">The status code.</param>
    /// <param name="reason">The reason phrase (default: the usual one for the code).</param>
    /// <param name="headers">Extra header lines of the reply.</param>
    public RouteOutcome Respond(int status, string? reason = null, IReadOnlyDictionary<string, string>? headers = null) =>
        Host.SendRaw(ReplyText(status, reason, headers), Destination);

    /// <summary>The reply <see cref="Respond"/> sends, as text.</summary>
    public string ReplyText(int status, string? reason = null, IReadOnlyDictionary<string, string>? headers = null)
    {
        var text = new StringBuilder();
        text.Append(System.Globalization.CultureInfo.InvariantCulture, $"SIP/2.0 {status} {reason ?? ReasonPhrases.For(status)}\r\n");
        foreach (var via in HeaderValues("Via"))
        {
            text.Append("Via: ").Append(via).Append("\r\n");
        }

        if (status is > 100 and < 300)
        {
            foreach (var route in HeaderValues("Record-Route"))
            {
                text.Append("Record-Route: ").Append(route).Append("\r\n");
            }
        }

        text.Append("From: ").Append(Header("From")).Append("\r\n");
        var to = Header("To") ?? string.Empty;
        if (status > 100 && Parameter(to, "tag") is null)
        {
            _toTag ??= "hop" + Math.Abs(CallId.GetHashCode(StringComparison.Ordinal)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            to += ";tag=" + _toTag;
        }

        text.Append("To: ").Append(to).Append("\r\n");
        text.Append("Call-ID: ").Append(CallId).Append("\r\n");
        text.Append("CSeq: ").Append(CSeq).Append("\r\n");
        if (status is > 100 and < 300 && Method != "CANCEL")
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"Contact: <sip:callee@{Destination}>\r\n");
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            text.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        text.Append("Content-Length: 0\r\n\r\n");
        return text.ToString();
    }

    /// <summary>Method, Request-URI and destination.</summary>
    public override string ToString() => $"{Method} {RequestUri} → {Destination}";
}
