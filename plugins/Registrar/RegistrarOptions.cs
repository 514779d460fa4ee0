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

    internal static IEnumerable<string> Validate(RegistrarOptions o)
    {
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
