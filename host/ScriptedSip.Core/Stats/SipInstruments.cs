namespace ScriptedSip.Core.Stats;

/// <summary>A counter published by <see cref="SipMetrics"/>: its instrument name and the <see cref="SipCounter"/> it reads.</summary>
public sealed record SipCounterInstrument(string Name, SipCounter Counter, string Unit, string Description);

/// <summary>
/// The names of the instruments of the <c>ScriptedSip</c> meter. A name is <c>group.name</c>: the group
/// and name of Kamailio's statistic where one exists (what <c>kamcmd stats.fetch all</c> prints), so
/// <c>core.rcv_requests</c> here is <c>core:rcv_requests</c> there; our own counters use the same form.
/// No product prefix: the meter name already says whose instruments these are, and an exporter adds
/// its own (Prometheus: <c>scriptedsip_core_rcv_requests_total</c>).
/// </summary>
public static class SipInstruments
{
    /// <summary>Gauge: transactions in the table now (Kamailio's tm.stats <c>current</c>).</summary>
    public const string TmCurrent = "tm.current";

    /// <summary>Gauge: transactions suspended or awaiting now.</summary>
    public const string TmSuspended = "tm.suspended";

    /// <summary>Counter with a <c>method</c> tag: requests received by method.</summary>
    public const string RequestsByMethod = "sip.requests";

    /// <summary>Counter with a <c>class</c> tag (1xx..6xx): the <c>sl.Nxx_replies</c> counters as one labelled series.</summary>
    public const string RepliesByClass = "sip.replies_sent";

    /// <summary>Histogram with a <c>route</c> tag, seconds: one turn of a route on its worker.</summary>
    public const string RouteDuration = "route.duration";

    public const string RouteDurationDescription = "Time one turn of a route ran on its worker (an awaiting route: each part between awaits)";

    /// <summary>Histogram with a <c>method</c> tag, seconds: request arrival to the transaction's first final reply.</summary>
    public const string FinalReplyDelay = "tm.final_reply_delay";
    /// <summary>Gauge: TCP and TLS connections open now (Kamailio's tcp.current_opened_connections).</summary>
    public const string TcpCurrentOpened = "tcp.current_opened_connections";

    private const string Requests = "{request}";
    private const string Replies = "{reply}";
    private const string Datagrams = "{datagram}";
    private const string Packets = "{packet}";
    private const string Transactions = "{transaction}";
    private const string Connections = "{connection}";

    /// <summary>Every counter, each <see cref="SipCounter"/> exactly once.</summary>
    public static IReadOnlyList<SipCounterInstrument> Counters { get; } =
    [
        // Kamailio core (kex) statistics.
        new("core.rcv_requests", SipCounter.Requests, Requests, "SIP requests received and parsed, retransmissions, ACK and CANCEL included"),
        new("core.rcv_replies", SipCounter.Replies, Replies, "SIP replies received and parsed"),
        new("core.fwd_requests", SipCounter.ForwardedRequests, Requests, "Requests sent on to a next hop: stateless forwards and each new TRelay branch"),
        new("core.fwd_replies", SipCounter.ForwardedReplies, Replies, "Replies passed on upstream from a next hop, statelessly by their Via or by a transaction"),
        new("core.drop_requests", SipCounter.DroppedRequests, Requests, "Requests refused while a worker queue was full, and stateless forwards that could not be sent"),
        new("core.drop_replies", SipCounter.DroppedReplies, Replies, "Replies refused while a worker queue was full, and stateless reply relays that could not be sent"),
        new("core.err_requests", SipCounter.BadRequests, Requests, "Requests that failed to parse"),
        new("core.err_replies", SipCounter.BadReplies, Replies, "Replies that failed to parse"),

        // Ours, beside the core statistics.
        new("core.parse_errors_answered", SipCounter.ParseErrorsAnswered, Requests, "Requests that failed to parse and were answered 400 or 505"),
        new("core.parse_errors_dropped", SipCounter.ParseErrorsDropped, "{message}", "Messages that failed to parse and could not be answered"),
        new("core.script_errors", SipCounter.ScriptErrors, "{run}", "Request, reply and failure routes that threw"),

        // Kamailio sl's reply classes, counted for every reply sent upstream (see SipCounter.SentReplies1xx).
        new("sl.1xx_replies", SipCounter.SentReplies1xx, Replies, "1xx replies sent upstream"),
        new("sl.2xx_replies", SipCounter.SentReplies2xx, Replies, "2xx replies sent upstream"),
        new("sl.3xx_replies", SipCounter.SentReplies3xx, Replies, "3xx replies sent upstream"),
        new("sl.4xx_replies", SipCounter.SentReplies4xx, Replies, "4xx replies sent upstream"),
        new("sl.5xx_replies", SipCounter.SentReplies5xx, Replies, "5xx replies sent upstream"),
        new("sl.6xx_replies", SipCounter.SentReplies6xx, Replies, "6xx replies sent upstream"),

        // Kamailio tm.stats (total), then ours.
        new("tm.total", SipCounter.TransactionsCreated, Transactions, "Transactions created"),
        new("tm.absorbed_retransmissions", SipCounter.RetransmissionsAbsorbed, Requests, "Request retransmissions absorbed by their transaction"),
        new("tm.unmatched_replies", SipCounter.RepliesUnmatched, Replies, "Replies that matched no transaction"),
        new("tm.branch_timeouts", SipCounter.BranchTimeouts, "{branch}", "Branches ended by the fr or fr-inv timer (local 408)"),
        new("tm.branch_unreachable", SipCounter.BranchesUnreachable, "{branch}", "Branches ended with 503 at once because their datagram came back ICMP unreachable"),
        new("tm.suspensions", SipCounter.Suspended, Transactions, "Transactions suspended (TSuspend, AsyncRoute, AsyncSleep, await)"),
        new("tm.resumes", SipCounter.Resumed, Transactions, "Suspended transactions resumed"),
        new("tm.suspend_timeouts", SipCounter.SuspendTimeouts, Transactions, "Suspended transactions that timed out"),
        new("tm.resume_failures", SipCounter.ResumeFailures, "{call}", "TContinue calls that resumed nothing"),
        new("tm.shutdown_replies", SipCounter.ShutdownReplies, Transactions, "Transactions answered 503 because the server was stopping"),

        // Non-SIP packets (Kamailio's nosip module has no statistics; these are ours).
        new("nosip.received", SipCounter.NoSipReceived, Packets, "Non-SIP packets at or above the size gate"),
        new("nosip.skipped", SipCounter.NoSipSkipped, Packets, "Non-SIP packets dropped by NoSip:MsgSkip"),
        new("nosip.not_matched", SipCounter.NoSipNotMatched, Packets, "Non-SIP packets dropped because NoSip:MsgMatch did not match"),
        new("nosip.no_route", SipCounter.NoSipNoRoute, Packets, "Non-SIP packets dropped because their route is not loaded"),
        new("nosip.routed", SipCounter.NoSipRouted, Packets, "Non-SIP packets whose route ran to its end"),
        new("nosip.route_errors", SipCounter.NoSipRouteErrors, Packets, "Non-SIP packets whose route threw"),

        // The UDP listeners (ours).
        new("udp.rcv_datagrams", SipCounter.Received, Datagrams, "Datagrams read from a socket"),
        new("udp.too_small", SipCounter.TooSmall, Datagrams, "Datagrams below NoSip:MinPacketSize, dropped silently"),
        new("udp.oversized", SipCounter.Oversized, Datagrams, "Datagrams above Sip:MaxMessageSize, dropped"),
        new("udp.queue_full", SipCounter.QueueFull, Datagrams, "Datagrams refused because their worker's queue was full"),
        new("udp.rcv_errors", SipCounter.ReceiveErrors, "{error}", "Socket errors on receive (e.g. ICMP port unreachable)"),
        new("udp.icmp_unreachable", SipCounter.IcmpUnreachable, "{error}", "ICMP port, host or network unreachable errors read from a socket's error queue (Linux)"),

        // TCP and TLS connections: Kamailio's tcp statistics where one exists (passive_open, active_open,
        // established, local_reject, connect_failed, con_reset, con_timeout, sendq_full), then ours.
        new("tcp.passive_open", SipCounter.TcpAccepted, Connections, "Connections accepted by a tcp: or tls: listener"),
        new("tcp.active_open", SipCounter.TcpConnecting, Connections, "Connections we started opening towards a next hop"),
        new("tcp.established", SipCounter.TcpEstablished, Connections, "Connections we opened that were established (TLS: handshake done)"),
        new("tcp.local_reject", SipCounter.TcpRefused, Connections, "Connections refused because Tcp:MaxConnections were open"),
        new("tcp.connect_failed", SipCounter.TcpConnectFailed, Connections, "Outgoing connections that could not be opened"),
        new("tcp.closed", SipCounter.TcpClosed, Connections, "Connections ended, for any reason"),
        new("tcp.closed_by_peer", SipCounter.TcpClosedByPeer, Connections, "Connections closed by their peer between messages"),
        new("tcp.truncated", SipCounter.TcpTruncated, Connections, "Connections closed by their peer inside a message"),
        new("tcp.con_reset", SipCounter.TcpReset, Connections, "Connections reset or failed with a socket error"),
        new("tcp.con_timeout", SipCounter.TcpIdleClosed, Connections, "Connections closed after Tcp:IdleTimeoutMs without traffic"),
        new("tcp.header_timeout", SipCounter.TcpHeaderTimeouts, Connections, "Connections closed because a message did not complete within Tcp:HeaderTimeoutMs"),
        new("tcp.bad_framing", SipCounter.TcpBadFraming, Connections, "Connections closed for bytes that cannot be framed as SIP"),
        new("tcp.sendq_full", SipCounter.TcpSendQueueFull, Connections, "Connections closed because their peer stopped reading"),
        new("tls.handshake_failures", SipCounter.TlsHandshakeFailures, Connections, "TLS handshakes that failed"),
        new("tcp.rcv_messages", SipCounter.TcpMessages, "{message}", "SIP messages framed on TCP and TLS connections"),
        new("tcp.keepalives", SipCounter.TcpKeepAlives, "{ping}", "CRLF CRLF keep-alive pings answered with CRLF"),

        // RFC 3263 server location (Kamailio's dns statistics are not kept; these are ours).
        new("dns.queries", SipCounter.DnsQueries, "{query}", "DNS queries sent (NAPTR, SRV, A, AAAA)"),
        new("dns.cache_hits", SipCounter.DnsCacheHits, "{lookup}", "Server locations answered from the DNS cache"),
        new("dns.failures", SipCounter.DnsFailures, "{lookup}", "Names that did not resolve"),

        // Overload control (the Overload section) and the stateless replies' ACK filter.
        new("overload.refused", SipCounter.OverloadRefused, "{request}", "New INVITEs answered 503 with Retry-After because the server was overloaded"),
        new("overload.episodes", SipCounter.OverloadEpisodes, "{episode}", "Times the server started refusing new INVITEs for load"),
        new("sl.filtered_acks", SipCounter.FilteredAcks, "{request}", "ACKs of stateless non-2xx replies absorbed without running the route"),
    ];
}
