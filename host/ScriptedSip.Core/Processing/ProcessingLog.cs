using Microsoft.Extensions.Logging;

namespace ScriptedSip.Core.Processing;

/// <summary>Log lines of the message path, with stable event ids; each names the Call-ID or source.</summary>
internal static partial class ProcessingLog
{
    [LoggerMessage(EventId = 3001, Message = "[{Tag}] {Text}")]
    public static partial void ScriptLine(ILogger logger, LogLevel level, string tag, string text);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Error, Message = "[{Tag}] route {Route} failed at {Location}: {Error}")]
    public static partial void ScriptError(ILogger logger, string tag, string route, string location, string error, Exception exception);

    [LoggerMessage(EventId = 3003, Message = "[{Tag}] SIP parse error from {Source}: {Error}{Action}")]
    public static partial void ParseError(ILogger logger, LogLevel level, string tag, string source, string error, string action);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "[{Tag}] {Function}() is not available in a {Kind} route")]
    public static partial void ActionNotHere(ILogger logger, string function, string tag, string kind);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Warning, Message = "[{Tag}] {Function}: {Reason}; ignored")]
    public static partial void Misuse(ILogger logger, string tag, string function, string reason);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "[{Tag}] forward failed: {Error}")]
    public static partial void ForwardFailed(ILogger logger, string tag, string error);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Debug, Message = "[{Tag}] reply dropped: {Reason}")]
    public static partial void ReplyDropped(ILogger logger, string tag, string reason);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Error, Message = "A timer callback failed")]
    public static partial void TimerCallbackFailed(ILogger logger, Exception exception);
}
