namespace ScriptedSip.Plugins.Registrar;

/// <summary><c>Plugins:Registrar</c> in hostsettings.json.</summary>
public sealed class RegistrarOptions
{
    /// <summary>Shortest registration accepted (seconds); a shorter non-zero one gets 423 with Min-Expires.</summary>
    public int MinExpires { get; set; } = 60;

    /// <summary>Longest registration granted (seconds); longer requests are shortened to it.</summary>
    public int MaxExpires { get; set; } = 3600;

    /// <summary>Expiry used when neither the Contact nor an Expires header gives one (seconds).</summary>
    public int DefaultExpires { get; set; } = 3600;

    /// <summary>Most bindings per address-of-record; a REGISTER that would exceed it gets 403.</summary>
    public int MaxContacts { get; set; } = 10;

    /// <summary>Folder of the journal and snapshot (relative to the content root); empty = in memory only.</summary>
    public string DataPath { get; set; } = "data/registrar";

    /// <summary>When the journal is flushed to the disk: Always (before each 200), Interval (every FsyncIntervalMs), Never (left to the OS).</summary>
    public FsyncPolicy Fsync { get; set; } = FsyncPolicy.Interval;

    /// <summary>Period of the Interval fsync (ms).</summary>
    public int FsyncIntervalMs { get; set; } = 1000;

    /// <summary>How often the table is written as a snapshot and the journal started afresh (seconds).</summary>
    public int SnapshotIntervalSeconds { get; set; } = 300;

    /// <summary>How often expired bindings are removed (ms).</summary>
    public int SweepIntervalMs { get; set; } = 1000;

    /// <summary>Keep-alive pings to NATed contacts every this many seconds (Kamailio's natping_interval); 0 = off.</summary>
    public int NatPingIntervalSeconds { get; set; }

    /// <summary>What a keep-alive is: <c>OPTIONS</c> (a request whose answer proves the contact alive) or <c>CRLF</c> (a bare datagram, nothing to answer).</summary>
    public string NatPingMethod { get; set; } = "OPTIONS";

    /// <summary>OPTIONS pings in a row without a reply after which a contact counts as gone.</summary>
    public int NatPingFailures { get; set; } = 3;

    /// <summary>Remove a contact whose OPTIONS pings failed <see cref="NatPingFailures"/> times in a row.</summary>
    public bool RemoveOnNatPingFailure { get; set; } = true;

    /// <summary>How long an OPTIONS ping waits for a reply (ms).</summary>
    public int NatPingTimeoutMs { get; set; } = 5000;

    /// <summary>The From URI of OPTIONS pings (Kamailio's sipping_from).</summary>
    public string NatPingFrom { get; set; } = "sip:pinger@localhost";

    /// <summary>True when pings are OPTIONS requests (false: CRLF datagrams).</summary>
    internal bool PingWithOptions => string.Equals(NatPingMethod, "OPTIONS", StringComparison.OrdinalIgnoreCase);

    private static readonly System.Buffers.SearchValues<char> NotInUri = System.Buffers.SearchValues.Create(" \t\r\n<>");

    internal static IEnumerable<string> Validate(RegistrarOptions o)
    {
        if (o.NatPingIntervalSeconds is < 0 or > 86_400)
        {
            yield return $"NatPingIntervalSeconds: {o.NatPingIntervalSeconds} is out of range 0..86400 (0 = no keep-alive pings)";
        }

        if (!string.Equals(o.NatPingMethod, "OPTIONS", StringComparison.OrdinalIgnoreCase) && !string.Equals(o.NatPingMethod, "CRLF", StringComparison.OrdinalIgnoreCase))
        {
            yield return $"NatPingMethod: '{o.NatPingMethod}' is not OPTIONS or CRLF";
        }

        if (o.NatPingFailures is < 1 or > 100)
        {
            yield return $"NatPingFailures: {o.NatPingFailures} is out of range 1..100";
        }

        if (o.NatPingTimeoutMs is < 100 or > 60_000)
        {
            yield return $"NatPingTimeoutMs: {o.NatPingTimeoutMs} is out of range 100..60000";
        }

        if (string.IsNullOrWhiteSpace(o.NatPingFrom) || !o.NatPingFrom.StartsWith("sip:", StringComparison.OrdinalIgnoreCase) || o.NatPingFrom.AsSpan().IndexOfAny(NotInUri) >= 0)
        {
            yield return $"NatPingFrom: '{o.NatPingFrom}' is not a sip: URI without spaces or angle brackets";
        }

        if (o.MinExpires is < 0 or > 86_400)
        {
            yield return $"MinExpires: {o.MinExpires} is out of range 0..86400";
        }

        if (o.MaxExpires < Math.Max(1, o.MinExpires) || o.MaxExpires > 31_536_000)
        {
            yield return $"MaxExpires: {o.MaxExpires} is out of range {Math.Max(1, o.MinExpires)}..31536000 (at least MinExpires)";
        }

        if (o.DefaultExpires < o.MinExpires || o.DefaultExpires > o.MaxExpires)
        {
            yield return $"DefaultExpires: {o.DefaultExpires} must lie between MinExpires ({o.MinExpires}) and MaxExpires ({o.MaxExpires})";
        }

        if (o.MaxContacts is < 1 or > 10_000)
        {
            yield return $"MaxContacts: {o.MaxContacts} is out of range 1..10000";
        }

        if (o.FsyncIntervalMs is < 10 or > 60_000)
        {
            yield return $"FsyncIntervalMs: {o.FsyncIntervalMs} is out of range 10..60000";
        }

        if (o.SnapshotIntervalSeconds is < 1 or > 86_400)
        {
            yield return $"SnapshotIntervalSeconds: {o.SnapshotIntervalSeconds} is out of range 1..86400";
        }

        if (o.SweepIntervalMs is < 10 or > 3_600_000)
        {
            yield return $"SweepIntervalMs: {o.SweepIntervalMs} is out of range 10..3600000";
        }
    }
}

/// <summary>When the location journal reaches the disk. Any policy survives a crash of the process (the kernel holds what was written); only Always survives a power loss.</summary>
public enum FsyncPolicy
{
    /// <summary>fsync before each REGISTER is answered.</summary>
    Always,

    /// <summary>fsync every FsyncIntervalMs.</summary>
    Interval,

    /// <summary>Never fsync explicitly.</summary>
    Never,
}
