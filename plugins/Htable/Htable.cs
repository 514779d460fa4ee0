namespace ScriptedSip.Plugins.Htable;

/// <summary>
/// The tables declared in configuration, for scripts: <c>Plugin&lt;Htable&gt;().Set("users", "alice", "active")</c>.
/// Values are strings or longs. Every operation is thread-safe; a table never holds more than its
/// configured size.
/// </summary>
public sealed class Htable
{
    private readonly Dictionary<string, Table> _tables;

    internal Htable(HtableOptions options, TimeProvider time)
    {
        _tables = options.Tables.ToDictionary(t => t.Key, t => new Table(t.Key, t.Value, time), StringComparer.Ordinal);
    }

    internal IEnumerable<Table> Tables => _tables.Values;

    /// <summary>The value (string or long), or null when absent or expired ($sht(table=>key)).</summary>
    public object? Get(string table, string key) => Find(table).Get(key);

    /// <summary>Stores a string value.</summary>
    public void Set(string table, string key, string value) => Find(table).Set(key, value);

    /// <summary>Stores a number.</summary>
    public void Set(string table, string key, long value) => Find(table).Set(key, value);

    /// <summary>Adds to a number (absent = 0) and returns the new value (sht_inc); a string value is replaced.</summary>
    public long Inc(string table, string key, long by = 1) => Find(table).Inc(key, by);

    /// <summary>Removes an item (sht_rm); true when it existed.</summary>
    public bool Delete(string table, string key) => Find(table).Delete(key);

    /// <summary>Sets an item's expiry to <paramref name="seconds"/> from now (0 = never); false when absent.</summary>
    public bool Expire(string table, string key, int seconds) => Find(table).Expire(key, seconds);

    /// <summary>Items in the table now.</summary>
    public int Count(string table) => Find(table).Count;

    /// <summary>Items evicted because the table was full.</summary>
    public long Evicted(string table) => Find(table).Evicted;

    internal Table Find(string table) =>
        _tables.TryGetValue(table, out var found)
            ? found
            : throw new ArgumentException($"no htable '{table}' is configured (Plugins:Htable:Tables:{table})", nameof(table));
}
