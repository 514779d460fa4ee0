namespace ScriptedSip.Core.Parsing;

/// <summary>Outcome of <see cref="SipMessage.Parse"/>.</summary>
public enum SipParseStatus
{
    /// <summary>A well-formed SIP request or response.</summary>
    Ok,

    /// <summary>
    /// The datagram does not start with a SIP start line: empty, only CRLFs, binary junk, a keep-alive,
    /// an HTTP request or status line, ... It belongs on the non-SIP route, not in a 400.
    /// </summary>
    NotSip,

    /// <summary>
    /// The start line looks like SIP, but the message is broken (see <see cref="SipMessage.Error"/>).
    /// Whatever could be read (method, Via, Call-ID, CSeq, From, To) is still available so a request can be
    /// answered statelessly with 400 (or 505, see <see cref="SipMessage.ErrorStatusCode"/>).
    /// </summary>
    Invalid,
}
