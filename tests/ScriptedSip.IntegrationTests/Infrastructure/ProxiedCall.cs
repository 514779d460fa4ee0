using System.Globalization;

namespace ScriptedSip.IntegrationTests.Infrastructure;

/// <summary>What a test UAS and caller do with a request relayed through the proxy: answer it, read the final reply, look at its Via branch.</summary>
public static class ProxiedCall
{
    /// <summary>A UAS's reply that keeps every Via (the proxy's and the caller's).</summary>
    public static string Reply(string request, int status, string reason)
    {
        var headers = request.Split("\r\n").TakeWhile(l => l.Length > 0).Skip(1)
            .Where(l => l.StartsWith("Via:", StringComparison.OrdinalIgnoreCase) || l.StartsWith("From:", StringComparison.OrdinalIgnoreCase)
                        || l.StartsWith("Call-ID:", StringComparison.OrdinalIgnoreCase) || l.StartsWith("CSeq:", StringComparison.OrdinalIgnoreCase))
            .ToList();
        headers.Add("To: " + SipText.Header(request, "To") + ";tag=t" + status.ToString(CultureInfo.InvariantCulture));
        return $"SIP/2.0 {status} {reason}\r\n" + string.Join("\r\n", headers) + "\r\nContent-Length: 0\r\n\r\n";
    }

    /// <summary>The first final reply the caller receives (provisionals skipped).</summary>
    public static string FinalReply(UdpPeer caller, TimeSpan wait)
    {
        ArgumentNullException.ThrowIfNull(caller);
        string reply;
        do
        {
            reply = caller.ReceiveText(wait);
        }
        while (SipText.StatusCode(reply) < 200);

        return reply;
    }

    /// <summary>The branch parameter of the request's top Via.</summary>
    public static string? Branch(string request) =>
        SipText.Header(request, "Via") is { } via ? via[(via.IndexOf("branch=", StringComparison.Ordinal) + 7)..] : null;
}
