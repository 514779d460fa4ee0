namespace ScriptedSip.Sdk.Scripting;

/// <summary>Levels for <see cref="RouteGlobals.Xlog(ScriptLogLevel, string)"/>, named like xlog's L_* levels.</summary>
public enum ScriptLogLevel
{
    /// <summary>Detail for troubleshooting (L_DBG); logged at Debug.</summary>
    Debug,

    /// <summary>Normal operation (L_INFO); logged at Information. The level of <c>Xlog(text)</c>.</summary>
    Info,

    /// <summary>Worth noticing, still normal (L_NOTICE); logged at Information.</summary>
    Notice,

    /// <summary>Something unexpected the route handled (L_WARN); logged at Warning.</summary>
    Warn,

    /// <summary>An error (L_ERR); logged at Error.</summary>
    Err,

    /// <summary>A critical error (L_CRIT); logged at Critical.</summary>
    Crit,
}
