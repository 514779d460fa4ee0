using Microsoft.Extensions.Logging;

namespace ScriptedSip.Core.Processing;

/// <summary>Settings of the message path that live outside the transport section.</summary>
public sealed class ProcessingOptions
{
    /// <summary>Level at which SIP parse errors are logged (<c>Logging:SipParseErrorLevel</c>, Kamailio's corelog).</summary>
    public LogLevel SipParseErrorLevel { get; set; } = LogLevel.Warning;

    /// <summary>A route running longer than this is reported (ms).</summary>
    public int RouteBudgetMs { get; set; } = 1000;

    /// <summary>Route run for non-SIP packets.</summary>
    public string NoSipRoute { get; set; } = "nosip_msg";
}
