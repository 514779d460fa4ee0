namespace ScriptedSip.Core.Stats;

/// <summary>
/// Process-wide counters, incremented lock-free from every worker. This is the only cost on the
/// message path: <see cref="SipMetrics"/> reads the values when a metrics listener asks for them.
/// </summary>
public sealed class SipCounters
{
    private readonly long[] _values = new long[Enum.GetValues<SipCounter>().Length];

    public long this[SipCounter counter] => Interlocked.Read(ref _values[(int)counter]);

    public void Increment(SipCounter counter) => Interlocked.Increment(ref _values[(int)counter]);

    /// <summary>
    /// Counts a reply sent upstream in the counter of its status class (1xx-6xx) when the transport
    /// took it (<paramref name="sent"/>, the send's result, so each call site stays one line).
    /// </summary>
    public void ReplySent(int status, bool sent)
    {
        if (sent && status is >= 100 and <= 699)
        {
            Increment(SipCounter.SentReplies1xx + (status / 100 - 1));
        }
    }

    /// <summary>All counters as name=value pairs, for the stats log line.</summary>
    public IReadOnlyDictionary<string, long> Snapshot() =>
        Enum.GetValues<SipCounter>().ToDictionary(c => c.ToString(), c => this[c]);
}
