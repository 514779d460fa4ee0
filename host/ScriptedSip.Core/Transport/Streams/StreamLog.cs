using Microsoft.Extensions.Logging;

namespace ScriptedSip.Core.Transport.Streams;

/// <summary>The log lines of the stream transports: one per connection that ends badly, refusals at most once a second.</summary>
internal static partial class StreamLog
{
    [LoggerMessage(EventId = 1401, Level = LogLevel.Information, Message = "Listening on {Endpoint} ({Workers} shared worker(s))")]
    public static partial void Listening(ILogger logger, string endpoint, int workers);

    [LoggerMessage(EventId = 1402, Message = "{Endpoint}: connection with {Peer} closed ({Reason}): {Detail}")]
    public static partial void Closed(ILogger logger, LogLevel level, string endpoint, string peer, string reason, string detail);

    [LoggerMessage(EventId = 1403, Level = LogLevel.Warning, Message = "{Endpoint}: refused {What}: Tcp:MaxConnections ({Limit}) are open; {Count} refused since the last such line")]
    public static partial void Refused(ILogger logger, string endpoint, string what, int limit, long count);

    [LoggerMessage(EventId = 1404, Level = LogLevel.Warning, Message = "{Endpoint}: accept failed: {Error}; accepting goes on")]
    public static partial void AcceptError(ILogger logger, string endpoint, string error);
}
