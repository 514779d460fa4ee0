using System.Globalization;
using System.Net;

namespace ScriptedSip.IntegrationTests.Infrastructure;

/// <summary>Builds test SIP requests as text (CRLF line ends, correct Content-Length).</summary>
public static class SipText
{
    public static string Request(
        string method,
        string requestUri,
        IPEndPoint from,
        string? callId = null,
        string? extraHeaders = null,
        string body = "",
        string? toTag = null,
        int? maxForwards = 70)
    {
        callId ??= Guid.NewGuid().ToString("N") + "@test";
        var branch = "z9hG4bK" + Guid.NewGuid().ToString("N")[..16];
        var cseqMethod = method == "ACK" ? "ACK" : method;
        var host = from.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{from.Address}]" : from.Address.ToString();
        var lines = new List<string>
        {
            $"{method} {requestUri} SIP/2.0",
            $"Via: SIP/2.0/UDP {host}:{from.Port};branch={branch};rport",
        };
        if (maxForwards is { } mf)
        {
            lines.Add("Max-Forwards: " + mf.ToString(CultureInfo.InvariantCulture));
        }

        lines.Add($"From: <sip:alice@example.com>;tag=a{callId.GetHashCode(StringComparison.Ordinal) & 0xffff:x}");
        lines.Add($"To: <{requestUri}>" + (toTag is null ? string.Empty : ";tag=" + toTag));
        lines.Add("Call-ID: " + callId);
        lines.Add($"CSeq: 1 {cseqMethod}");
        lines.Add("Contact: <sip:alice@" + host + ":" + from.Port + ">");
        if (!string.IsNullOrEmpty(extraHeaders))
        {
            lines.AddRange(extraHeaders.Split("\r\n", StringSplitOptions.RemoveEmptyEntries));
        }

        lines.Add("Content-Length: " + System.Text.Encoding.UTF8.GetByteCount(body).ToString(CultureInfo.InvariantCulture));
        return string.Join("\r\n", lines) + "\r\n\r\n" + body;
    }

    /// <summary>A reply to <paramref name="request"/> as a UAS writes it: Via, From, To (with a tag), Call-ID and CSeq copied.</summary>
    public static string ReplyTo(string request, int code, string reason)
    {
        var lines = new List<string> { $"SIP/2.0 {code.ToString(CultureInfo.InvariantCulture)} {reason}" };
        foreach (var name in new[] { "Via", "From", "To", "Call-ID", "CSeq" })
        {
            var value = Header(request, name);
            if (value is not null)
            {
                lines.Add($"{name}: {value}" + (name == "To" && !value.Contains(";tag=", StringComparison.Ordinal) ? ";tag=uas1" : string.Empty));
            }
        }

        lines.Add("Content-Length: 0");
        return string.Join("\r\n", lines) + "\r\n\r\n";
    }

    public static int StatusCode(string reply) =>
        reply.StartsWith("SIP/2.0 ", StringComparison.Ordinal) ? int.Parse(reply.AsSpan(8, 3), CultureInfo.InvariantCulture) : -1;

    public static string? Header(string message, string name)
    {
        foreach (var line in message.Split("\r\n"))
        {
            if (line.Length == 0)
            {
                break;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[..colon].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return line[(colon + 1)..].Trim();
            }
        }

        return null;
    }
}
