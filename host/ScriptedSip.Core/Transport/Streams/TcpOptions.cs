namespace ScriptedSip.Core.Transport.Streams;

/// <summary>The <c>Tcp</c> section of hostsettings.json: limits of every TCP and TLS connection.</summary>
public sealed class TcpOptions
{
    public const string Section = "Tcp";

    /// <summary>A message whose header section has not ended this long after its first byte closes the connection (slow-loris); a new connection must send its first message within it too.</summary>
    public int HeaderTimeoutMs { get; set; } = 10_000;

    /// <summary>A connection with no traffic for this long is closed.</summary>
    public int IdleTimeoutMs { get; set; } = 600_000;

    /// <summary>Open connections (accepted and opened by us) at most; past it new ones are refused and counted.</summary>
    public int MaxConnections { get; set; } = 4096;

    /// <summary>Opening a connection to a next hop (and its TLS handshake) fails after this long: that branch ends with 503.</summary>
    public int ConnectTimeoutMs { get; set; } = 3000;

    /// <summary>
    /// Plain-TCP connections are read by the listener's own read thread (epoll; Linux only), which
    /// runs a message's route itself when its worker is idle. False: the runtime's asynchronous
    /// reads, every message queued to its worker (as TLS connections always are).
    /// </summary>
    public bool ReadThread { get; set; } = true;

    /// <summary>Read threads of each tcp: listener (with <see cref="ReadThread"/>); connections are spread over them as they open.</summary>
    public int ReadThreads { get; set; } = 1;
}
