namespace ScriptedSip.Core.Stats;

/// <summary>Process-wide counters, incremented lock-free from every worker.</summary>
public sealed class SipCounters
{
    private readonly long[] _values = new long[Enum.GetValues<SipCounter>().Length];

    public long this[SipCounter counter] => Interlocked.Read(ref _values[(int)counter]);

    public void Increment(SipCounter counter) => Interlocked.Increment(ref _values[(int)counter]);

    /// <summary>All counters as name=value pairs, for the stats log line.</summary>
    public IReadOnlyDictionary<string, long> Snapshot() =>
        Enum.GetValues<SipCounter>().ToDictionary(c => c.ToString(), c => this[c]);
}
