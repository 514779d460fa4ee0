using NLog;
using NLog.Config;

namespace ScriptedSip.Host.Management.Rpc;

/// <summary>
/// <c>log.level</c>: reads or sets the minimum level of every NLog rule that writes somewhere, at
/// run time (Kamailio's debug level). Filter-only rules (no target, e.g. the one that keeps
/// Microsoft.* quiet) are left as they are. Not persisted: a restart goes back to the configuration.
/// </summary>
internal static class LogRpcMethods
{
    private static readonly string[] Names = ["Trace", "Debug", "Info", "Warn", "Error", "Fatal", "Off"];

    public static void AddTo(RpcMethodTable table)
    {
        table.Add("log.level", "get the minimum log level, or set it: Trace, Debug, Info, Warn, Error, Fatal, Off", (p, _) =>
        {
            var wanted = p.OptionalString(0, "level");
            var configuration = LogManager.Configuration;
            var rules = configuration?.LoggingRules.Where(r => r.Targets.Count > 0).ToList() ?? [];
            if (wanted is null)
            {
                return CoreRpcMethods.Result(new Dictionary<string, object?> { ["level"] = Current(rules) });
            }

            var level = Parse(wanted);
            foreach (var rule in rules)
            {
                if (level == LogLevel.Off)
                {
                    rule.DisableLoggingForLevels(LogLevel.Trace, LogLevel.Fatal);
                }
                else
                {
                    rule.SetLoggingLevels(level, LogLevel.Fatal);
                }
            }

            LogManager.ReconfigExistingLoggers();
            return CoreRpcMethods.Result(new Dictionary<string, object?> { ["level"] = Current(rules) });
        });
    }

    private static LogLevel Parse(string text)
    {
        var name = text.Trim() switch
        {
            var t when t.Equals("Information", StringComparison.OrdinalIgnoreCase) => "Info",
            var t when t.Equals("Warning", StringComparison.OrdinalIgnoreCase) => "Warn",
            var t => t,
        };
        var known = Names.FirstOrDefault(n => n.Equals(name, StringComparison.OrdinalIgnoreCase));
        return known is null
            ? throw RpcException.BadParams($"level '{text}' is not one of {string.Join(", ", Names)}")
            : LogLevel.FromString(known);
    }

    private static string Current(List<LoggingRule> rules)
    {
        var levels = rules.SelectMany(r => r.Levels).ToList();
        return levels.Count == 0 ? "Off" : levels.Min()!.Name;
    }
}
