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
}
