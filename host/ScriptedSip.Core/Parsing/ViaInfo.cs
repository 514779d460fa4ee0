namespace ScriptedSip.Core.Parsing;

/// <summary>
/// One parsed Via value (RFC 3261 §20.42, RFC 3581 rport). Segments are offsets into
/// <see cref="SipMessage.Buffer"/>. <paramref name="Host"/> keeps the brackets of an IPv6 reference;
/// <paramref name="Received"/> is kept as written (RFC 5118 §4.5: with or without brackets).
/// </summary>
/// <param name="Transport">Transport token, e.g. UDP, TCP, TLS, SCTP, WS (as written).</param>
/// <param name="Host">sent-by host.</param>
/// <param name="Port">sent-by port, -1 if absent.</param>
/// <param name="Branch">branch parameter value, empty if absent.</param>
/// <param name="Received">received parameter value, empty if absent.</param>
/// <param name="HasRport">True if an rport parameter is present (with or without a value).</param>
/// <param name="Rport">rport value, -1 if absent or without value.</param>
/// <param name="Whole">The whole Via value (one comma-separated element, trimmed).</param>
public readonly record struct ViaInfo(
    Segment Transport,
    Segment Host,
    int Port,
    Segment Branch,
    Segment Received,
    bool HasRport,
    int Rport,
    Segment Whole)
{
    /// <summary>Value used when there is no (parsable) Via.</summary>
    public static readonly ViaInfo None = new(default, default, -1, default, default, false, -1, default);

    /// <summary>
    /// The rport parameter as written (name plus any "=value"), so a reply writer can fill in the
    /// port right after it (RFC 3581 §4) without re-parsing. Empty if there is no rport.
    /// </summary>
    public Segment RportParam { get; init; }
}
