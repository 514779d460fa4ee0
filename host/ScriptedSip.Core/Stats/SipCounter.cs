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
}
