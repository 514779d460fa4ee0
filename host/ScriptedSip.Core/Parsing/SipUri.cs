namespace ScriptedSip.Core.Parsing;

/// <summary>
/// A parsed URI. Segments are relative to the span given to <see cref="SipUriParser.TryParse"/>.
/// For sip/sips every field may be set; for tel only <see cref="User"/> (the number) and
/// <see cref="Params"/>; for any other scheme only <see cref="Scheme"/> and <see cref="Opaque"/>.
/// </summary>
public readonly struct SipUri
{
    /// <summary>Scheme as written, without ':' (e.g. "sip", "SIPS", "tel").</summary>
    public Segment Scheme { get; init; }

    /// <summary>Everything after "scheme:" (useful for non-SIP schemes).</summary>
    public Segment Opaque { get; init; }

    /// <summary>User part (still %-escaped), or the tel number; empty if absent.</summary>
    public Segment User { get; init; }

    /// <summary>Password from "user:password@" (discouraged by RFC 3261 but legal); empty if absent.</summary>
    public Segment Password { get; init; }

    /// <summary>Host; an IPv6 reference keeps its brackets ("[2001:db8::10]").</summary>
    public Segment Host { get; init; }

    /// <summary>Port, -1 if absent.</summary>
    public int Port { get; init; }

    /// <summary>URI parameters after the first ';' (without it), up to '?' or the end; empty if none.</summary>
    public Segment Params { get; init; }

    /// <summary>Headers after '?' (without it); empty if none.</summary>
    public Segment Headers { get; init; }

    /// <summary>True if a "lr" parameter is present (loose routing, RFC 3261 §19.1.1).</summary>
    public bool HasLr { get; init; }

    /// <summary>transport parameter value; empty if absent.</summary>
    public Segment Transport { get; init; }

    /// <summary>maddr parameter value; empty if absent.</summary>
    public Segment Maddr { get; init; }

    /// <summary>True for the sip and sips schemes.</summary>
    public bool IsSip { get; init; }

    /// <summary>True for the sips scheme.</summary>
    public bool IsSecure { get; init; }
}
