namespace ScriptedSip.Plugins.Registrar;

/// <summary>A REGISTER as the location service sees it (RFC 3261 §10.3), already parsed.</summary>
public sealed record RegisterRequest(
    string Aor,
    IReadOnlyList<ContactValue> Contacts,
    bool Star,
    int? ExpiresHeader,
    string CallId,
    long CSeq,
    string? Received = null,
    string? SourceIp = null,
    string? Path = null,
    string? Socket = null,
    string? UserAgent = null);

/// <summary>What to answer: the status and, for 200, every current binding of the address-of-record.</summary>
public sealed record RegisterOutcome(int Status, string Reason, IReadOnlyList<Binding> Bindings);
