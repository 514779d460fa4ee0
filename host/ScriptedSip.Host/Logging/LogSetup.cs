using NLog;
using NLog.Config;
using NLog.Filters;
using NLog.Layouts;
using NLog.Targets;
using NLog.Targets.Wrappers;

namespace ScriptedSip.Host.Logging;

/// <summary>
/// Applies <c>Logging:Format</c> and the repeated-line limit to the NLog configuration the host loaded,
/// so every target — whatever the NLog section says — carries the message context.
/// </summary>
internal static class LogSetup
{
    /// <summary>Before any NLog configuration is read: makes <c>${sip}</c> known.</summary>
    public static void RegisterExtensions() =>
        LogManager.Setup().SetupExtensions(s => s.RegisterLayoutRenderer<SipLayoutRenderer>("sip"));

    /// <summary>
    /// A target that cannot write (a full disk, a file that is not writable) costs the lines, never
    /// SIP: NLog drops the error and goes on. It reports the error only through its internal logger,
    /// which is off by default; so unless the NLog section configures that logger itself
    /// (<c>internalLogLevel</c>), its errors go to stderr ("FileTarget(Name=file): Failed writing to …").
    /// </summary>
    public static void ReportTargetFailures(bool configuredBySection)
    {
        if (!configuredBySection)
        {
            NLog.Common.InternalLogger.LogLevel = NLog.LogLevel.Error;
            NLog.Common.InternalLogger.LogToConsoleError = true;
        }
    }

    public static void Apply(LoggingConfiguration configuration, LogFormat format, int repeatLimitMs, TimeProvider time)
    {
        foreach (var target in configuration.AllTargets.Select(Innermost).OfType<TargetWithLayout>())
        {
            if (format == LogFormat.Json)
            {
                target.Layout = Json();
            }
            else if (target.Layout is SimpleLayout simple && !simple.OriginalText.Contains("${sip", StringComparison.Ordinal))
            {
                target.Layout = new SimpleLayout(AppendContext(simple.OriginalText));
            }
        }

        if (repeatLimitMs > 0)
        {
            foreach (var rule in configuration.LoggingRules.Where(r => r.Targets.Count > 0 && r.Filters.Count == 0))
            {
                rule.Filters.Add(new RepeatedLineFilter(time, TimeSpan.FromMilliseconds(repeatLimitMs)));
                rule.FilterDefaultAction = FilterResult.Log;
            }
        }
    }

    /// <summary>The context goes right after the message, before an exception's text.</summary>
    private static string AppendContext(string layout)
    {
        const string Message = "${message}";
        var at = layout.IndexOf(Message, StringComparison.Ordinal);
        return at < 0 ? layout + "${sip}" : layout.Insert(at + Message.Length, "${sip}");
    }

    private static JsonLayout Json() => new()
    {
        Attributes =
        {
            new JsonAttribute("time", "${date:universalTime=true:format=o}"),
            new JsonAttribute("level", "${level:uppercase=true}"),
            new JsonAttribute("logger", "${logger}"),
            new JsonAttribute("message", "${message}"),
            new JsonAttribute("call_id", "${sip:item=callid}"),
            new JsonAttribute("method", "${sip:item=method}"),
            new JsonAttribute("source", "${sip:item=source}"),
            new JsonAttribute("route", "${sip:item=route}"),
            new JsonAttribute("exception", "${exception:format=tostring}"),
        },
    };

    private static Target Innermost(Target target) => target is WrapperTargetBase wrapper && wrapper.WrappedTarget is { } inner ? Innermost(inner) : target;
}
