namespace ScriptedSip.Core.Stats;

/// <summary>
/// Every datagram lands in exactly one outcome counter; <see cref="Received"/> counts them all.
/// Names are stable: they appear in the stats log line and in tests.
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
}
