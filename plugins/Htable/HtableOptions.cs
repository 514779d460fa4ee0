namespace ScriptedSip.Plugins.Htable;

/// <summary><c>Plugins:Htable</c> in hostsettings.json.</summary>
public sealed class HtableOptions
{
    /// <summary>The tables, by name.</summary>
    public Dictionary<string, TableOptions> Tables { get; set; } = [];

    /// <summary>How often expired items are removed and their expiry routes raised (ms).</summary>
    public int SweepIntervalMs { get; set; } = 1000;

    internal static IEnumerable<string> Validate(HtableOptions options)
    {
        if (options.SweepIntervalMs is < 10 or > 3_600_000)
        {
            yield return $"SweepIntervalMs: {options.SweepIntervalMs} is out of range 10..3600000";
        }

        foreach (var (name, table) in options.Tables)
        {
            if (table.Size is < 1 or > 10_000_000)
            {
                yield return $"Tables:{name}:Size: {table.Size} is out of range 1..10000000";
            }

            if (table.AutoExpire is < 0 or > 31_536_000)
            {
                yield return $"Tables:{name}:AutoExpire: {table.AutoExpire} is out of range 0..31536000 (seconds, 0 = never)";
            }
        }
    }
}

/// <summary>One table: <c>Plugins:Htable:Tables:NAME</c>.</summary>
public sealed class TableOptions
{
    /// <summary>Most items the table holds; inserting beyond it evicts the least recently written item.</summary>
    public int Size { get; set; } = 1024;

    /// <summary>Seconds after its last write an item expires; 0 = never (Kamailio's autoexpire).</summary>
    public int AutoExpire { get; set; }

    /// <summary>Route raised for each expired item, with <c>Mb</c> = <c>table:key</c> (Kamailio's htable:expired:NAME). Empty = none.</summary>
    public string ExpireRoute { get; set; } = string.Empty;
}
