namespace ScriptedSip.Plugins.Pike;

/// <summary>Pike's counters for scripts and monitoring: <c>Plugin&lt;Pike&gt;().Blocks</c>.</summary>
public sealed class Pike
{
    private readonly PikeFilter? _filter;

    internal Pike(PikeFilter? filter) => _filter = filter;

    /// <summary>True when the request filter is on (<c>Plugins:Pike:Enabled</c>).</summary>
    public bool Enabled => _filter is not null;

    /// <summary>Blocks imposed since the plugin loaded (one per offending address and block period).</summary>
    public long Blocks => _filter?.Blocks ?? 0;

    /// <summary>Requests refused (dropped or answered 503) because their address was blocked.</summary>
    public long Refused => _filter?.Refused ?? 0;

    /// <summary>Addresses tracked now (at most <see cref="Capacity"/>).</summary>
    public int Tracked => _filter?.Table.Tracked ?? 0;

    /// <summary>The table's bound.</summary>
    public int Capacity => _filter?.Table.Capacity ?? 0;

    /// <summary>Addresses that replaced another because their bucket was full (a spoofed-source flood shows here).</summary>
    public long Evicted => _filter?.Table.Evicted ?? 0;
}
