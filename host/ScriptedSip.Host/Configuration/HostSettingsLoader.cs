using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using ScriptedSip.Core.NoSip;
using ScriptedSip.Core.Processing;
using ScriptedSip.Core.Transactions;
using ScriptedSip.Core.Transport;
using ScriptedSip.Scripting;

namespace ScriptedSip.Host.Configuration;

/// <summary>
/// Binds every section and checks every value before anything starts. Each problem becomes one
/// line <c>Section:Key: reason</c>; any problem stops the host with exit code 2.
/// </summary>
public static class HostSettingsLoader
{
    public static HostSettings? Load(IConfiguration configuration, string contentRoot, out IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var problems = new List<string>();
        var sip = Bind<SipTransportOptions>(configuration, SipTransportOptions.Section, problems);
        var noSip = Bind<NoSipOptions>(configuration, NoSipOptions.Section, problems);
        var transactions = Bind<TransactionOptions>(configuration, TransactionOptions.Section, problems);
        var scripts = Bind<ScriptsOptions>(configuration, ScriptsOptions.Section, problems);
        var plugins = Bind<PluginsOptions>(configuration, PluginsOptions.Section, problems);
        var processing = new ProcessingOptions { RouteBudgetMs = scripts.RouteBudgetMs, NoSipRoute = noSip.EventRoute };

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

        Range(problems, "Transactions:T1Ms", transactions.T1Ms, 1, 60_000, null);
        Range(problems, "Transactions:FrTimerMs", transactions.FrTimerMs, 1, 3_600_000, null);
        Range(problems, "Transactions:FrInvTimerMs", transactions.FrInvTimerMs, 1, 3_600_000, null);
        Range(problems, "Transactions:TimerTickMs", transactions.TimerTickMs, 1, 1000, null);
        Range(problems, "Transactions:WaitMs", transactions.WaitMs, 0, 600_000, null);
        Range(problems, "Transactions:MaxSuspended", transactions.MaxSuspended, 0, 10_000_000, null);
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

        var levelText = configuration["Logging:SipParseErrorLevel"];
        if (!string.IsNullOrEmpty(levelText))
        {
            if (Enum.TryParse<LogLevel>(levelText, ignoreCase: true, out var level) && Enum.IsDefined(level))
            {
                processing.SipParseErrorLevel = level;
            }
            else
            {
                problems.Add($"Logging:SipParseErrorLevel: '{levelText}' is not a level (Trace, Debug, Information, Warning, Error, Critical, None)");
            }
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
        return new HostSettings(contentRoot, sip, listen, noSip, transactions, scripts, plugins, processing);
    }

    private static T Bind<T>(IConfiguration configuration, string section, List<string> problems)
        where T : new()
    {
        var options = new T();
        try
        {
            configuration.GetSection(section).Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            // The binder names the key and the value, e.g. "Failed to convert configuration value 'x' at 'Sip:Workers' to type 'System.Int32'."
            problems.Add($"{section}: {ex.Message}");
        }

        return options;
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
