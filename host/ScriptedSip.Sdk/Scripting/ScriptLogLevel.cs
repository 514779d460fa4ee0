namespace ScriptedSip.Sdk.Scripting;

/// <summary>Levels for <see cref="RouteGlobals.Xlog(ScriptLogLevel, string)"/>, named like xlog's L_* levels.</summary>
public enum ScriptLogLevel
{
    Debug,
    Info,
    Notice,
    Warn,
    Err,
    Crit,
}
