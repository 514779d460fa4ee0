namespace ScriptedSip.Core.Stats;

/// <summary>
/// Every datagram lands in exactly one outcome counter (TooSmall, Oversized, QueueFull, Requests,
/// Replies, the two ParseErrors*, and the NoSip* outcomes after NoSipReceived); <see cref="Received"/>
/// counts them all. The other entries count events along the way. Names are stable: they appear in
/// the stats log line and in tests; new entries go at the end. <see cref="SipMetrics"/> publishes them.
/// </summary>
public enum SipCounter
{
    /// <summary>Datagrams read from a socket.</summary>
    Received,

    /// <summary>Smaller than NoSip:MinPacketSize (NAT keep-alives): dropped silently.</summary>
    TooSmall,

    /// <summary>Larger than Sip:MaxMessageSize: dropped and logged.</summary>
    Oversized,

    /// <summary>The worker was too far behind: dropped.</summary>
    QueueFull,

    /// <summary>SIP requests handed to the request route.</summary>
    Requests,

    /// <summary>SIP replies handled.</summary>
    Replies,

    /// <summary>SIP-looking messages that failed to parse and were answered 400.</summary>
    ParseErrorsAnswered,

    /// <summary>SIP-looking messages that failed to parse and could not be answered (dropped).</summary>
    ParseErrorsDropped,

    /// <summary>Route scripts that threw (request/reply routes).</summary>
    ScriptErrors,

    /// <summary>Socket errors on receive (e.g. ICMP port unreachable); the loop went on.</summary>
    ReceiveErrors,

    /// <summary>ICMP port, host or network unreachable errors read from a UDP socket's error queue (Linux).</summary>
    IcmpUnreachable,

    /// <summary>Non-SIP packets at or above the size gate.</summary>
    NoSipReceived,

    /// <summary>Non-SIP packets dropped by NoSip:MsgSkip.</summary>
    NoSipSkipped,

    /// <summary>Non-SIP packets dropped because NoSip:MsgMatch did not match.</summary>
    NoSipNotMatched,

    /// <summary>Non-SIP packets dropped because no route of NoSip:EventRoute is loaded.</summary>
    NoSipNoRoute,

    /// <summary>Non-SIP packets whose route ran to its end.</summary>
    NoSipRouted,

    /// <summary>Non-SIP packets whose route threw.</summary>
    NoSipRouteErrors,

    /// <summary>Stateful transactions created.</summary>
    TransactionsCreated,

    /// <summary>Request retransmissions absorbed by an existing transaction (last reply re-sent).</summary>
    RetransmissionsAbsorbed,

    /// <summary>Replies that matched no transaction (relayed statelessly by the Via, or dropped).</summary>
    RepliesUnmatched,

    /// <summary>Branches that timed out (fr / fr-inv timer): answered 408 locally.</summary>
    BranchTimeouts,

    /// <summary>Branches ended with 503 at once because their datagram came back ICMP unreachable.</summary>
    BranchesUnreachable,

    /// <summary>Transactions suspended (TSuspend, AsyncRoute, AsyncSleep, await).</summary>
    Suspended,

    /// <summary>Suspended transactions resumed (TContinue, async timers, completed awaits).</summary>
    Resumed,

    /// <summary>Suspended transactions that timed out (408 or failure route).</summary>
    SuspendTimeouts,

    /// <summary>TContinue calls that resumed nothing (unknown id, wrong label, not suspended, twice, bad text).</summary>
    ResumeFailures,

    /// <summary>Transactions answered 503 because the server was stopping.</summary>
    ShutdownReplies,

    /// <summary>Requests sent on to a next hop: stateless forwards (Forward, ACK) and each new TRelay branch.</summary>
    ForwardedRequests,

    /// <summary>Replies passed on upstream from a next hop: relayed statelessly by their Via or by a transaction.</summary>
    ForwardedReplies,

    /// <summary>Requests refused while a worker queue was full, and stateless forwards that could not be sent.</summary>
    DroppedRequests,

    /// <summary>Replies refused while a worker queue was full, and stateless reply relays that could not be sent.</summary>
    DroppedReplies,

    /// <summary>SIP parse errors whose start line is a request line (answered or dropped).</summary>
    BadRequests,

    /// <summary>SIP parse errors whose start line is a status line (always dropped).</summary>
    BadReplies,

    /// <summary>1xx replies sent upstream (generated here or relayed; the server's own retransmissions not counted).</summary>
    SentReplies1xx,

    /// <summary>2xx replies sent upstream, as <see cref="SentReplies1xx"/>.</summary>
    SentReplies2xx,

    /// <summary>3xx replies sent upstream, as <see cref="SentReplies1xx"/>.</summary>
    SentReplies3xx,

    /// <summary>4xx replies sent upstream, as <see cref="SentReplies1xx"/>.</summary>
    SentReplies4xx,

    /// <summary>5xx replies sent upstream, as <see cref="SentReplies1xx"/>.</summary>
    SentReplies5xx,

    /// <summary>6xx replies sent upstream, as <see cref="SentReplies1xx"/>.</summary>
    SentReplies6xx,
    /// <summary>TCP/TLS connections accepted by a stream listener.</summary>
    TcpAccepted,

    /// <summary>TCP/TLS connections we started opening towards a next hop.</summary>
    TcpConnecting,

    /// <summary>Connections we opened that were established (connected, and for TLS the handshake done).</summary>
    TcpEstablished,

    /// <summary>Connections refused because Tcp:MaxConnections were open (accepted ones closed at once, outgoing ones not opened).</summary>
    TcpRefused,

    /// <summary>Outgoing connections that could not be opened (refused, unreachable, Tcp:ConnectTimeoutMs).</summary>
    TcpConnectFailed,

    /// <summary>Connections ended, for any reason (current = accepted + connecting - closed).</summary>
    TcpClosed,

    /// <summary>Connections closed by their peer between messages.</summary>
    TcpClosedByPeer,

    /// <summary>Connections closed by their peer inside a message (a body shorter than its Content-Length).</summary>
    TcpTruncated,

    /// <summary>Connections reset or failed with a socket error.</summary>
    TcpReset,

    /// <summary>Connections closed after Tcp:IdleTimeoutMs without traffic.</summary>
    TcpIdleClosed,

    /// <summary>Connections closed because a message did not complete within Tcp:HeaderTimeoutMs (slow-loris, silent connections).</summary>
    TcpHeaderTimeouts,

    /// <summary>Connections closed for bytes that cannot be framed as SIP (after a 400 where possible).</summary>
    TcpBadFraming,

    /// <summary>Connections closed because their peer stopped reading and the send queue filled.</summary>
    TcpSendQueueFull,

    /// <summary>TLS handshakes that failed (accepted or outgoing).</summary>
    TlsHandshakeFailures,

    /// <summary>SIP messages framed on TCP/TLS connections.</summary>
    TcpMessages,

    /// <summary>CRLF CRLF keep-alive pings answered (RFC 5626 §4.4.1).</summary>
    TcpKeepAlives,

    /// <summary>DNS queries sent (NAPTR, SRV, A, AAAA).</summary>
    DnsQueries,

    /// <summary>Server locations answered from the DNS cache.</summary>
    DnsCacheHits,

    /// <summary>Names that did not resolve (no records, server failure, timeout, truncated or looping answers).</summary>
    DnsFailures,

    /// <summary>New INVITEs answered 503 with Retry-After because the server was overloaded (Overload section).</summary>
    OverloadRefused,

    /// <summary>Times the server started refusing new INVITEs for load.</summary>
    OverloadEpisodes,

    /// <summary>ACKs of stateless non-2xx replies absorbed without running the route (Kamailio's sl filtered_acks).</summary>
    FilteredAcks,
}
