namespace ScriptedSip.Sdk.Plugins;

/// <summary>The part of the host a plugin may call (never host internals).</summary>
public interface ISipHost
{
    /// <summary>Resumes a suspended transaction in a named route, as TContinue does in a script.</summary>
    bool TContinue(uint tindex, uint tlabel, string route);

    /// <summary>Runs a named route (e.g. an event route the plugin raises) with no SIP message; false when no such route is loaded.</summary>
    bool RaiseEvent(string route, string text);

    /// <summary>
    /// Sends an out-of-dialog request of the server's own (a health probe: OPTIONS) to
    /// <paramref name="uri"/> and completes with the status code of its final reply. The request
    /// is retransmitted over UDP as a non-INVITE client transaction does (RFC 3261 §17.1.2: T1
    /// doubling up to T2) and never reaches a route script, nor does its reply. It completes with
    /// 408 when no final reply came within <paramref name="timeout"/>, and with 503 when the URI
    /// does not resolve or no listen address of its address family exists. A host name not in the
    /// DNS cache is looked up first, within the same timeout. Nothing blocks a worker while waiting.
    /// </summary>
    /// <exception cref="InvalidOperationException">The server listens on nothing yet (it is starting): nothing was sent.</exception>
    /// <param name="method">The request method, e.g. <c>OPTIONS</c>.</param>
    /// <param name="uri">Request-URI and destination, e.g. <c>sip:10.0.0.1:5060</c>.</param>
    /// <param name="from">The From URI (Kamailio's ds_ping_from), e.g. <c>sip:dispatcher@localhost</c>.</param>
    /// <param name="extraHeaders">Header lines to add (CRLF-separated, no trailing CRLF needed); null for none.</param>
    /// <param name="timeout">How long to wait for a final reply.</param>
    /// <param name="cancellationToken">Cancels the wait (the task is then cancelled).</param>
    Task<int> SendRequestAsync(string method, string uri, string from, string? extraHeaders, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>
    /// Sends <paramref name="payload"/> as one UDP datagram, as it is (no SIP framing), to the host
    /// and port of <paramref name="uri"/> from the server's UDP listener of that address family — a
    /// NAT keep-alive (a CRLF) that keeps the user agent's pinhole open without a transaction. True
    /// when it was handed to the kernel; false when the URI does not resolve or no UDP listener of
    /// its family exists.
    /// </summary>
    /// <exception cref="InvalidOperationException">The server listens on nothing yet (it is starting): nothing was sent.</exception>
    /// <param name="uri">The destination, e.g. <c>sip:203.0.113.5:40312</c>.</param>
    /// <param name="payload">The bytes to send, e.g. <c>"\r\n"u8</c>.</param>
    bool SendDatagram(string uri, ReadOnlySpan<byte> payload);
}
