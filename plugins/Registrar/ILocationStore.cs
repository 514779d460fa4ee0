namespace ScriptedSip.Plugins.Registrar;

/// <summary>
/// Where the location table is kept durable. The registrar calls it under its own lock, in order:
/// every change of an address-of-record is written before the REGISTER is answered. The journal
/// on disk is one implementation; a shared store (Redis, a database) for several nodes can be another.
/// </summary>
public interface ILocationStore : IDisposable
{
    /// <summary>Every address-of-record's bindings as last written (expired ones included; the caller drops them).</summary>
    IReadOnlyDictionary<string, IReadOnlyList<Binding>> Load();

    /// <summary>Records the complete new set of bindings of one address-of-record (empty: removed).</summary>
    void Write(string aor, IReadOnlyList<Binding> bindings);

    /// <summary>Replaces everything written so far by this complete table (compaction).</summary>
    void Snapshot(IReadOnlyDictionary<string, IReadOnlyList<Binding>> table);

    /// <summary>Makes what was written durable now (the Interval fsync policy calls it).</summary>
    void Flush();

    /// <summary>
    /// Hands over what another loaded version of the plugin wrote to the same store since the last
    /// call (a live reload runs two versions for a moment), in order; the registrar calls it under
    /// its lock before each use of its table.
    /// </summary>
    void ApplyForeign(Action<string, IReadOnlyList<Binding>> apply);
}

/// <summary>Keeps nothing: <c>DataPath</c> empty, the table lives in memory only.</summary>
internal sealed class MemoryOnlyStore : ILocationStore
{
    public IReadOnlyDictionary<string, IReadOnlyList<Binding>> Load() => new Dictionary<string, IReadOnlyList<Binding>>();

    public void Write(string aor, IReadOnlyList<Binding> bindings)
    {
    }

    public void Snapshot(IReadOnlyDictionary<string, IReadOnlyList<Binding>> table)
    {
    }

    public void Flush()
    {
    }

    public void ApplyForeign(Action<string, IReadOnlyList<Binding>> apply)
    {
    }

    public void Dispose()
    {
    }
}
