using Microsoft.Extensions.Logging;

namespace ScriptedSip.Host.Configuration;

/// <summary>
/// The <c>Logging</c> section: only what the SIP core itself decides. Which lines are written where
/// is NLog's job (the <c>NLog</c> section); Microsoft's <c>Logging:LogLevel</c> filters are not used.
/// </summary>
public sealed class LoggingOptions
{
    public const string Section = "Logging";

    /// <summary>Level of the one line per SIP parse error (Kamailio's corelog).</summary>
    public LogLevel SipParseErrorLevel { get; set; } = LogLevel.Warning;

    /// <summary>text (the NLog targets' layouts, with the message context appended) or json (one object per line).</summary>
    public Logging.LogFormat Format { get; set; } = Logging.LogFormat.Text;

    /// <summary>Identical warnings (same logger and text) are written at most once per this many ms; 0 = no limit.</summary>
    public int RepeatLimitMs { get; set; } = 1000;
}
