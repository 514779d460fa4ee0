namespace ScriptedSip.Plugins.Registrar;

/// <summary>
/// One registered contact of an address-of-record (a usrloc "ucontact"): where to reach the user
/// agent, until when, and what the registrar needs to route to it through NAT and edge proxies.
/// </summary>
public sealed record Binding
{
    /// <summary>The address-of-record, <c>user@domain</c> (lower-case domain, no port).</summary>
    public required string Aor { get; init; }

    /// <summary>The Contact URI as the user agent registered it.</summary>
    public required string Contact { get; init; }

    /// <summary>When the binding ends.</summary>
    public required DateTimeOffset Expires { get; init; }

    /// <summary>Preference 0..1000 (q=1.0 is 1000); 1000 when the Contact gave none.</summary>
    public int Q { get; init; } = 1000;

    public string CallId { get; init; } = string.Empty;

    public long CSeq { get; init; }

    /// <summary>Where the REGISTER came from, <c>sip:ip:port;transport=udp</c>: the way back through a NAT.</summary>
    public string? Received { get; init; }

    /// <summary>
    /// The user agent is behind NAT: its Contact names a private address (RFC 1918, RFC 6598) other
    /// than the one its REGISTER came from — requests then go to <see cref="Received"/> (Kamailio's
    /// nat_uac_test 1 + fix_nated_register).
    /// </summary>
    public bool Nated { get; init; }

    /// <summary>The Path header values (RFC 3327), comma-joined, in order; null when none.</summary>
    public string? Path { get; init; }

    /// <summary>The <c>+sip.instance</c> parameter (RFC 5626), or null.</summary>
    public string? Instance { get; init; }

    /// <summary>The <c>reg-id</c> parameter (RFC 5626), 0 when absent.</summary>
    public int RegId { get; init; }

    /// <summary>The local socket the REGISTER arrived on (<c>udp:ip:port</c>).</summary>
    public string? Socket { get; init; }

    /// <summary>The User-Agent header, for display.</summary>
    public string? UserAgent { get; init; }

    /// <summary>Seconds left at <paramref name="now"/> (0 when expired).</summary>
    public int SecondsLeft(DateTimeOffset now) => (int)Math.Max(0, Math.Ceiling((Expires - now).TotalSeconds));

    /// <summary>The same registered device: the same instance (and reg-id), or the same Contact URI when no instance is given.</summary>
    public bool SameDeviceAs(Binding other) =>
        Instance is not null && other.Instance is not null
            ? string.Equals(Instance, other.Instance, StringComparison.Ordinal) && RegId == other.RegId
            : ContactUri.Equivalent(Contact, other.Contact);
}
