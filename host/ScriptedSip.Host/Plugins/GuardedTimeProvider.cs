using Microsoft.Extensions.Logging;

namespace ScriptedSip.Host.Plugins;

/// <summary>
/// The clock a plugin gets (<c>IPluginContext.Time</c>): the host's, except that an exception
/// escaping one of the plugin's timer callbacks is logged with the plugin's name instead of
/// reaching the thread pool, where it would end the process. The timer keeps its period; the
/// server and the other plugins go on.
/// </summary>
internal sealed partial class GuardedTimeProvider(TimeProvider inner, string plugin, ILogger logger) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

    public override long GetTimestamp() => inner.GetTimestamp();

    public override long TimestampFrequency => inner.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return inner.CreateTimer(Guarded, state, dueTime, period);

        void Guarded(object? s)
        {
            try
            {
                callback(s);
            }
            catch (Exception ex)
            {
                LogTimerFailed(logger, plugin, ex);
            }
        }
    }

    [LoggerMessage(EventId = 1401, Level = LogLevel.Error, Message = "plugin {Plugin}: a timer callback threw; the server goes on")]
    private static partial void LogTimerFailed(ILogger logger, string plugin, Exception exception);
}
