using ScriptedSip.Core.NoSip;
using ScriptedSip.Core.Processing;
using ScriptedSip.Core.Transactions;
using ScriptedSip.Core.Transport;
using ScriptedSip.Scripting;

namespace ScriptedSip.Host.Configuration;

/// <summary>Every option section, bound and validated, with relative paths resolved against the content root.</summary>
public sealed record HostSettings(
    string ContentRoot,
    SipTransportOptions Sip,
    IReadOnlyList<ListenEndpoint> Listen,
    NoSipOptions NoSip,
    TransactionOptions Transactions,
    ScriptsOptions Scripts,
    PluginsOptions Plugins,
    ProcessingOptions Processing)
{
    /// <summary>The management endpoint (metrics, health, JSON-RPC); validated, URLs parsed.</summary>
    public ManagementSettings Management { get; init; } = ManagementSettings.Off;

    /// <summary>The <c>Logging</c> section.</summary>
    public LoggingOptions Logging { get; init; } = new();
    /// <summary>The <c>Tcp</c> section: limits of TCP and TLS connections.</summary>
    public Core.Transport.Streams.TcpOptions Tcp { get; init; } = new();

    /// <summary>The <c>Overload</c> section: when new INVITEs are refused for load.</summary>
    public Core.Processing.Overload.OverloadOptions Overload { get; init; } = new();

    /// <summary>The <c>Dns</c> section (RFC 3263 server location).</summary>
    public Core.Transport.ServerLocation.DnsOptions Dns { get; init; } = new();

    /// <summary><c>Dns:Servers</c>, parsed; empty: the system's resolvers.</summary>
    public IReadOnlyList<System.Net.IPEndPoint> DnsServers { get; init; } = [];

    /// <summary>The <c>Tls</c> section as configured.</summary>
    public Core.Transport.Streams.TlsOptions Tls { get; init; } = new();

    /// <summary>The loaded certificate and peer checks; null when no tls: listen address is configured.</summary>
    public Core.Transport.Streams.TlsContext? TlsContext { get; init; }
}
