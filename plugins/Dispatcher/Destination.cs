namespace ScriptedSip.Plugins.Dispatcher;

/// <summary>The state of a destination (Kamailio's flags A, I, D).</summary>
public enum DestinationState
{
    /// <summary>Selected by the algorithms.</summary>
    Active,

    /// <summary>Skipped by the algorithms; probed, and active again after <c>ActiveThreshold</c> good probes.</summary>
    Inactive,

    /// <summary>Skipped and never probed until set otherwise (administratively down).</summary>
    Disabled,
}

/// <summary>
/// One destination of a set: its URI as configured (what <c>Du</c> becomes), its address for
/// <c>IsFromSet</c>, its weight and priority, and its health. The health survives a reload of the
/// sets when the same URI stays in the same set.
/// </summary>
public sealed class Destination
{
    private int _state;
    private int _failures;
    private int _successes;
    private int _probing;
    private long _load;

    internal Destination(int set, string uri, string host, int port, int weight, int priority, string attrs)
    {
        Set = set;
        Uri = uri;
        Host = host;
        Port = port;
        Weight = weight;
        Priority = priority;
        Attrs = attrs;
    }

    /// <summary>The set id.</summary>
    public int Set { get; }

    /// <summary>The SIP URI as configured.</summary>
    public string Uri { get; }

    /// <summary>The host of the URI (an IP address as written, or a name).</summary>
    public string Host { get; }

    /// <summary>The port (5060 when the URI has none).</summary>
    public int Port { get; }

    /// <summary>Weight for algorithm 9.</summary>
    public int Weight { get; }

    /// <summary>Priority for algorithm 8 (lower first).</summary>
    public int Priority { get; }

    /// <summary>Free text from the configuration.</summary>
    public string Attrs { get; }

    /// <summary>The state now.</summary>
    public DestinationState State => (DestinationState)Volatile.Read(ref _state);

    /// <summary>Calls selected here by algorithm 10 and not yet ended with <c>LoadEnd</c>.</summary>
    public long Load => Interlocked.Read(ref _load);

    internal bool IsActive => Volatile.Read(ref _state) == (int)DestinationState.Active;

    /// <summary>The host as the source address of a datagram shows it (for IsFromSet), resolved at load.</summary>
    internal string? Address { get; set; }

    /// <summary>Sets the state; the previous one.</summary>
    internal DestinationState SetState(DestinationState state)
    {
        Volatile.Write(ref _failures, 0);
        Volatile.Write(ref _successes, 0);
        return (DestinationState)Interlocked.Exchange(ref _state, (int)state);
    }

    /// <summary>Takes over the health of the same destination in the sets before a reload.</summary>
    internal void CopyHealth(Destination previous)
    {
        _state = previous._state;
        _failures = previous._failures;
        _successes = previous._successes;
        _load = previous._load;
    }

    /// <summary>A probe result: the new state when it changed, else null.</summary>
    internal DestinationState? OnProbe(bool alive, int probeThreshold, int activeThreshold)
    {
        if (alive)
        {
            Volatile.Write(ref _failures, 0);
            var successes = Interlocked.Increment(ref _successes);
            return successes >= activeThreshold
                   && Interlocked.CompareExchange(ref _state, (int)DestinationState.Active, (int)DestinationState.Inactive) == (int)DestinationState.Inactive
                ? DestinationState.Active
                : null;
        }

        Volatile.Write(ref _successes, 0);
        var failures = Interlocked.Increment(ref _failures);
        return failures >= probeThreshold
               && Interlocked.CompareExchange(ref _state, (int)DestinationState.Inactive, (int)DestinationState.Active) == (int)DestinationState.Active
            ? DestinationState.Inactive
            : null;
    }

    /// <summary>Claims the destination for one probe; false while the previous probe still waits.</summary>
    internal bool TryBeginProbe() => Interlocked.Exchange(ref _probing, 1) == 0;

    internal void EndProbe() => Volatile.Write(ref _probing, 0);

    internal void AddLoad(long delta) => Interlocked.Add(ref _load, delta);

    /// <summary>One line for logs and listings.</summary>
    public override string ToString() => $"set {Set} {Uri} ({State})";
}
