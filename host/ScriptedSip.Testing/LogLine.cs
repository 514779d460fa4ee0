using Microsoft.Extensions.Logging;

namespace ScriptedSip.Testing;

/// <summary>What kind of line the server wrote.</summary>
public enum LogLineKind
{
    /// <summary>Any other line of the server (warnings about misuse, plugin loads, parse errors …).</summary>
    Server,

    /// <summary>A script's <c>Xlog(…)</c>.</summary>
    Xlog,

    /// <summary>A route that threw: the server logs it with the script file and line (and answers 500 when it can).</summary>
    ScriptError,
}

/// <summary>One log line of the server, as it would have gone to its log.</summary>
/// <param name="Kind">Xlog line, script error or anything else.</param>
/// <param name="Level">The level it was logged at (Xlog: Debug, Information, Warning, Error, Critical).</param>
/// <param name="Category">The logger's category (<c>ScriptedSip.Script</c> for Xlog and script errors).</param>
/// <param name="Tag">The message tag (Call-ID) the line is about, when it has one.</param>
/// <param name="Text">Xlog: exactly the script's text; otherwise the whole formatted line.</param>
/// <param name="Route">Script errors: the route that threw.</param>
/// <param name="Location">Script errors: <c>file(line)</c> where it threw.</param>
/// <param name="Exception">Script errors: what was thrown.</param>
public sealed record LogLine(LogLineKind Kind, LogLevel Level, string Category, string? Tag, string Text, string? Route, string? Location, Exception? Exception)
{
    /// <summary>The level, category and text.</summary>
    public override string ToString() => $"{Level} {Category}: {Text}";
}
