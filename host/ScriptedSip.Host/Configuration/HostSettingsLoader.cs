using Microsoft.Extensions.Configuration;
using ScriptedSip.Core.NoSip;
using ScriptedSip.Core.Processing;
using ScriptedSip.Core.Transactions;
using ScriptedSip.Core.Transport;
using ScriptedSip.Scripting;

namespace ScriptedSip.Host.Configuration;

/// <summary>
/// Binds every section and checks every key and value before anything starts. Each problem becomes
/// one line <c>Section:Key: reason</c> (a key that binds to nothing is one too); any problem stops
/// the host with exit code 2.
/// </summary>
public static class HostSettingsLoader
{
    /// <summary>The top-level sections of hostsettings.json; <c>NLog</c> is NLog's own format and is not checked here.</summary>
    public static readonly IReadOnlyList<string> Sections =
    [
        SipTransportOptions.Section,
        NoSipOptions.Section,
        TransactionOptions.Section,
        ScriptsOptions.Section,
        PluginsOptions.Section,
        LoggingOptions.Section,
        ManagementOptions.Section,
        Core.Transport.Streams.TcpOptions.Section,
        Core.Transport.Streams.TlsOptions.Section,
        Core.Processing.Overload.OverloadOptions.Section,
        Core.Transport.ServerLocation.DnsOptions.Section,
        "NLog",
    ];

    public static HostSettings? Load(IConfiguration configuration, string contentRoot, out IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var problems = new List<string>();
        UnknownSections.Check(configuration, problems);
        var sip = SectionBinder.Bind<SipTransportOptions>(configuration, SipTransportOptions.Section, problems);
        var noSip = SectionBinder.Bind<NoSipOptions>(configuration, NoSipOptions.Section, problems);
        var transactions = SectionBinder.Bind<TransactionOptions>(configuration, TransactionOptions.Section, problems);
        var scripts = SectionBinder.Bind<ScriptsOptions>(configuration, ScriptsOptions.Section, problems);

        // Plugins:NAME:… is a plugin's own section (possibly empty: no plain value), checked by that plugin when it loads.
        var plugins = SectionBinder.Bind<PluginsOptions>(configuration, PluginsOptions.Section, problems, isOwnedElsewhere: child => child.Value is null);
        var tcp = SectionBinder.Bind<Core.Transport.Streams.TcpOptions>(configuration, Core.Transport.Streams.TcpOptions.Section, problems);
        var tls = SectionBinder.Bind<Core.Transport.Streams.TlsOptions>(configuration, Core.Transport.Streams.TlsOptions.Section, problems);
        var overload = SectionBinder.Bind<Core.Processing.Overload.OverloadOptions>(configuration, Core.Processing.Overload.OverloadOptions.Section, problems);
        var logging = SectionBinder.Bind<LoggingOptions>(configuration, LoggingOptions.Section, problems, unknownKeyHint: "what is logged where is set in the NLog section");
        var dns = SectionBinder.Bind<Core.Transport.ServerLocation.DnsOptions>(configuration, Core.Transport.ServerLocation.DnsOptions.Section, problems);
        var dnsServers = dns.ParseServers(problems);
        var management = SectionBinder.Bind<ManagementOptions>(configuration, ManagementOptions.Section, problems);
        var managementSettings = ManagementSettings.From(management, contentRoot, problems);
        var processing = new ProcessingOptions
        {
            RouteBudgetMs = scripts.RouteBudgetMs,
            NoSipRoute = noSip.EventRoute,
            SipParseErrorLevel = logging.SipParseErrorLevel,
        };

        var listen = new List<ListenEndpoint>();
        if (sip.Listen.Count == 0)
        {
            sip.Listen.Add(SipTransportOptions.DefaultListen);
        }

        for (var i = 0; i < sip.Listen.Count; i++)
        {
            if (ListenEndpoint.TryParse(sip.Listen[i], out var endpoint, out var error))
            {
                listen.Add(endpoint!);
            }
            else
            {
                problems.Add($"Sip:Listen:{i}: {error}");
            }
        }

        Range(problems, "Sip:Workers", sip.Workers, 0, 256, "0 = one per CPU");
        Range(problems, "Sip:ReceiveThreads", sip.ReceiveThreads, 1, 64, null);
        Range(problems, "Sip:MaxMessageSize", sip.MaxMessageSize, 512, 65535, null);
        Range(problems, "Sip:QueueLimit", sip.QueueLimit, 16, 1_000_000, null);
        Range(problems, "NoSip:MinPacketSize", noSip.MinPacketSize, 0, 65535, null);
        Range(problems, "NoSip:RegexTimeoutMs", noSip.RegexTimeoutMs, 1, 10_000, null);
        Check(problems, "NoSip:MsgMatch", NoSipFilter.Validate(noSip.MsgMatch));
        Check(problems, "NoSip:MsgSkip", NoSipFilter.Validate(noSip.MsgSkip));
        if (string.IsNullOrWhiteSpace(noSip.EventRoute))
        {
            problems.Add("NoSip:EventRoute: must name a route (default nosip_msg)");
        }

        Range(problems, "Tcp:HeaderTimeoutMs", tcp.HeaderTimeoutMs, 10, 3_600_000, null);
        Range(problems, "Tcp:IdleTimeoutMs", tcp.IdleTimeoutMs, 10, 86_400_000, null);
        Range(problems, "Tcp:MaxConnections", tcp.MaxConnections, 1, 1_000_000, null);
        Range(problems, "Tcp:ConnectTimeoutMs", tcp.ConnectTimeoutMs, 10, 600_000, null);
        Range(problems, "Tcp:ReadThreads", tcp.ReadThreads, 1, 64, null);
        Range(problems, "Overload:MaxTransactions", overload.MaxTransactions, 0, 100_000_000, "0 = no limit on the count");
        Range(problems, "Overload:RxQueuePercent", overload.RxQueuePercent, 1, 100, null);
        Range(problems, "Overload:QueuePercent", overload.QueuePercent, 1, 100, null);
        Range(problems, "Overload:RetryAfterSeconds", overload.RetryAfterSeconds, 1, 86_400, null);
        Range(problems, "Overload:SampleIntervalMs", overload.SampleIntervalMs, 10, 60_000, null);
        Range(problems, "Dns:TimeoutMs", dns.TimeoutMs, 10, 60_000, null);

        // A certificate that does not load stops the host here, naming the key, before anything listens.
        Core.Transport.Streams.TlsContext? tlsContext = null;
        if (problems.Count == 0 && listen.Any(l => l.Protocol == Core.Transport.SipProtocol.Tls))
        {
            foreach (var key in new[] { nameof(tls.CertificatePath), nameof(tls.PrivateKeyPath), nameof(tls.ClientCaPath), nameof(tls.CaPath) })
            {
                var property = typeof(Core.Transport.Streams.TlsOptions).GetProperty(key)!;
                if (property.GetValue(tls) is string path && !string.IsNullOrWhiteSpace(path))
                {
                    property.SetValue(tls, Path.GetFullPath(path, contentRoot));
                }
            }

            tlsContext = Core.Transport.Streams.TlsContext.Load(tls, needCertificate: true, problems);
        }

        Range(problems, "Transactions:T1Ms", transactions.T1Ms, 1, 60_000, null);
        Range(problems, "Transactions:FrTimerMs", transactions.FrTimerMs, 1, 3_600_000, null);
        Range(problems, "Transactions:FrInvTimerMs", transactions.FrInvTimerMs, 1, 3_600_000, null);
        Range(problems, "Transactions:TimerTickMs", transactions.TimerTickMs, 1, 1000, null);
        Range(problems, "Transactions:WaitMs", transactions.WaitMs, 0, 600_000, null);
        Range(problems, "Transactions:MaxSuspended", transactions.MaxSuspended, 0, 10_000_000, null);
        Range(problems, "Logging:RepeatLimitMs", logging.RepeatLimitMs, 0, 3_600_000, "0 = no limit");
        Range(problems, "Scripts:RouteBudgetMs", scripts.RouteBudgetMs, 1, 3_600_000, null);
        Range(problems, "Scripts:ReloadDebounceMs", scripts.ReloadDebounceMs, 0, 60_000, null);
        if (string.IsNullOrWhiteSpace(scripts.Path))
        {
            problems.Add("Scripts:Path: must not be empty");
        }

        if (string.IsNullOrWhiteSpace(plugins.Path))
        {
            problems.Add("Plugins:Path: must not be empty");
        }

        errors = problems;
        if (problems.Count > 0)
        {
            return null;
        }

        scripts.Path = Path.GetFullPath(scripts.Path, contentRoot);
        if (!string.IsNullOrWhiteSpace(scripts.CachePath))
        {
            scripts.CachePath = Path.GetFullPath(scripts.CachePath, contentRoot);
        }

        plugins.Path = Path.GetFullPath(plugins.Path, contentRoot);
        return new HostSettings(contentRoot, sip, listen, noSip, transactions, scripts, plugins, processing)
        {
            Management = managementSettings!,
            Logging = logging,
            Tcp = tcp,
            Tls = tls,
            Overload = overload,
            TlsContext = tlsContext,
            Dns = dns,
            DnsServers = dnsServers,
        };
    }

    private static void Range(List<string> problems, string key, int value, int min, int max, string? hint)
    {
        if (value < min || value > max)
        {
            problems.Add($"{key}: {value} is out of range {min}..{max}{(hint is null ? string.Empty : " (" + hint + ")")}");
        }
    }

    private static void Check(List<string> problems, string key, string? error)
    {
        if (error is not null)
        {
            problems.Add($"{key}: {error}");
        }
    }
}
