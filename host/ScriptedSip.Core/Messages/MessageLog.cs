using Microsoft.Extensions.Logging;

namespace ScriptedSip.Core.Messages;

/// <summary>Log lines of the stateless message services, with stable event ids; each names the Call-ID.</summary>
internal static partial class MessageLog
{
    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "[{Tag}] forward failed: {Error}")]
    public static partial void ForwardFailed(ILogger logger, string tag, string error);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Debug, Message = "[{Tag}] reply dropped: {Reason}")]
    public static partial void ReplyDropped(ILogger logger, string tag, string reason);
}
