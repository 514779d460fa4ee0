namespace ScriptedSip.Core.Processing.Overload;

/// <summary>
/// The <c>Overload</c> section of hostsettings.json: when the server starts refusing new calls
/// (503 with Retry-After) so that calls already in progress, retransmissions, replies and other
/// requests keep being served.
/// </summary>
public sealed class OverloadOptions
{
    public const string Section = "Overload";

    /// <summary>False: never refuse for load (the <c>Sip:QueueLimit</c> backstop stays).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Live transactions at which new INVITEs are refused; 0 = no limit on the count.</summary>
    public int MaxTransactions { get; set; } = 100_000;

    /// <summary>Kernel receive queue of a UDP listener, in percent of its socket buffer, at which new INVITEs are refused.</summary>
    public int RxQueuePercent { get; set; } = 50;

    /// <summary>Received messages waiting at the busiest worker, in percent of <c>Sip:QueueLimit</c>, at which new INVITEs are refused.</summary>
    public int QueuePercent { get; set; } = 25;

    /// <summary>The Retry-After of the 503 (seconds).</summary>
    public int RetryAfterSeconds { get; set; } = 5;

    /// <summary>How often the signals are read (milliseconds).</summary>
    public int SampleIntervalMs { get; set; } = 100;
}
