namespace ScriptedSip.Core.Transactions;

/// <summary>The <c>Transactions</c> section: RFC 3261 timers and Kamailio's fr timers.</summary>
public sealed class TransactionOptions
{
    public const string Section = "Transactions";

    /// <summary>RFC 3261 T1, the round-trip estimate (ms).</summary>
    public int T1Ms { get; set; } = 500;

    /// <summary>No final reply from the next hop within this time → 408 (Kamailio fr_timer).</summary>
    public int FrTimerMs { get; set; } = 30000;

    /// <summary>After a provisional reply to an INVITE, the wait for its final reply (fr_inv_timer).</summary>
    public int FrInvTimerMs { get; set; } = 120000;

    /// <summary>How long a finished transaction lingers to absorb retransmissions (Kamailio's wt_timer).</summary>
    public int WaitMs { get; set; } = 5000;

    /// <summary>Resolution of the timer wheel that drives every transaction timer (ms).</summary>
    public int TimerTickMs { get; set; } = 10;

    /// <summary>Upper bound of suspended transactions; past it TSuspend() fails.</summary>
    public int MaxSuspended { get; set; } = 100000;
}
