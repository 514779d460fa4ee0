namespace ScriptedSip.Core.Transport;

/// <summary>The <c>Sip</c> section of hostsettings.json.</summary>
public sealed class SipTransportOptions
{
    public const string Section = "Sip";

    /// <summary>Listen addresses, <c>udp:IP:PORT</c>.</summary>
    public IList<string> Listen { get; set; } = [];

    /// <summary>
    /// SIP domains this server is responsible for (registrar, location service): a Request-URI, Route or
    /// From naming one of them is "myself" whatever its port. The listen addresses (with their ports) and
    /// <c>localhost</c> always are.
    /// </summary>
    public IList<string> Domains { get; set; } = [];

    /// <summary>Workers per listen address; 0 = one per CPU.</summary>
    public int Workers { get; set; }

    /// <summary>
    /// Threads reading each UDP socket at once (Kamailio's <c>children</c> per socket). One keeps
    /// every peer's datagrams in arrival order; more spread one busy peer over several cores.
    /// </summary>
    public int ReceiveThreads { get; set; } = 1;

    /// <summary>Datagrams larger than this are dropped and logged.</summary>
    public int MaxMessageSize { get; set; } = 65535;

    /// <summary>Messages waiting per worker before new ones are dropped (overload protection).</summary>
    public int QueueLimit { get; set; } = 8192;

    public int EffectiveWorkers => Workers > 0 ? Workers : Environment.ProcessorCount;

    /// <summary>The default when the configuration gives no listen address.</summary>
    public static readonly string DefaultListen = "udp:127.0.0.1:5060";
}
