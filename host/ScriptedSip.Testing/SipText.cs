using System.Globalization;

namespace ScriptedSip.Testing;

/// <summary>A SIP message read as text: its start line, header fields in order, body.</summary>
public class SipText
{
    // RFC 3261 §7.3.3 compact forms, so a lookup by the long name finds either.
    private static readonly Dictionary<string, string> Compact = new(StringComparer.OrdinalIgnoreCase)
    {
        ["v"] = "Via", ["f"] = "From", ["t"] = "To", ["i"] = "Call-ID", ["m"] = "Contact",
        ["l"] = "Content-Length", ["c"] = "Content-Type", ["k"] = "Supported", ["s"] = "Subject",
        ["e"] = "Content-Encoding", ["o"] = "Event", ["r"] = "Refer-To", ["x"] = "Session-Expires",
    };

    private readonly List<KeyValuePair<string, string>> _headers = [];

    /// <param name="text">The whole message.</param>
    public SipText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Text = text;
        var headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = headerEnd < 0 ? text : text[..headerEnd];
        Body = headerEnd < 0 ? string.Empty : text[(headerEnd + 4)..];
        var lines = head.Split("\r\n");
        StartLine = lines[0];
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var name = line[..colon].Trim();
            _headers.Add(new(Compact.TryGetValue(name, out var full) ? full : name, line[(colon + 1)..].Trim()));
        }
    }

    /// <summary>The message exactly as it went over the wire.</summary>
    public string Text { get; }

    /// <summary><c>INVITE sip:bob@example.com SIP/2.0</c> or <c>SIP/2.0 180 Ringing</c>.</summary>
    public string StartLine { get; }

    /// <summary>Every header field in order (compact names given their long form).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers => _headers;

    /// <summary>The body (empty when there is none).</summary>
    public string Body { get; }

    /// <summary>The first value of a header (case-insensitive name), or null.</summary>
    public string? Header(string name)
    {
        foreach (var (key, value) in _headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>Every value of a header, in order (comma-separated values of one line stay one value).</summary>
    public IReadOnlyList<string> HeaderValues(string name) =>
        [.. _headers.Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value)];

    /// <summary>The Call-ID value.</summary>
    public string CallId => Header("Call-ID") ?? string.Empty;

    /// <summary>The CSeq number.</summary>
    public long CSeqNumber => long.Parse(CSeq.Split(' ', 2)[0], CultureInfo.InvariantCulture);

    /// <summary>The whole CSeq value (<c>1 INVITE</c>).</summary>
    public string CSeq => Header("CSeq") ?? "0";

    /// <summary>The method of the CSeq header.</summary>
    public string CSeqMethod => CSeq.Split(' ', 2) is [_, var method] ? method.Trim() : string.Empty;

    /// <summary>A parameter of a header value (<c>tag</c> of To, <c>branch</c> of Via), or null.</summary>
    public static string? Parameter(string? headerValue, string name)
    {
        if (headerValue is null)
        {
            return null;
        }

        // Parameters after the name-addr's closing bracket (or after the URI when there is none).
        var start = headerValue.LastIndexOf('>');
        foreach (var part in headerValue[(start + 1)..].Split(';').Skip(1))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var key = (eq < 0 ? part : part[..eq]).Trim();
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return eq < 0 ? string.Empty : part[(eq + 1)..].Trim();
            }
        }

        return null;
    }

    /// <summary>The URI inside a name-addr (<c>"Bob" &lt;sip:bob@x&gt;;tag=1</c> → <c>sip:bob@x</c>).</summary>
    public static string UriOf(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var open = value.IndexOf('<', StringComparison.Ordinal);
        if (open >= 0)
        {
            var close = value.IndexOf('>', open);
            return value[(open + 1)..(close < 0 ? value.Length : close)];
        }

        var semicolon = value.IndexOf(';', StringComparison.Ordinal);
        return (semicolon < 0 ? value : value[..semicolon]).Trim();
    }

    /// <summary>The whole message.</summary>
    public override string ToString() => Text;
}
