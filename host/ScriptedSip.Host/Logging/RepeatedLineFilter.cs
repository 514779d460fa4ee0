using System.Collections.Concurrent;
using System.Globalization;
using NLog;
using NLog.Filters;

namespace ScriptedSip.Host.Logging;

/// <summary>
/// At most one identical warning (or error) per logger and text per interval: under a flood of the
/// same bad packet the log gets one line a second, and the next one written says how many were left
/// out. Lower levels pass untouched (log.level Debug is asked for on purpose).
/// </summary>
public sealed class RepeatedLineFilter : Filter
{
    private const int MaxTracked = 1024;
    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;

    public RepeatedLineFilter(TimeProvider time, TimeSpan interval)
    {
        _time = time;
        _interval = interval;
        Action = FilterResult.Ignore;
    }

    protected override FilterResult Check(LogEventInfo logEvent)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        if (logEvent.Level < LogLevel.Warn)
        {
            return FilterResult.Neutral;
        }

        var key = logEvent.LoggerName + "\n" + logEvent.FormattedMessage;
        var now = _time.GetTimestamp();
        if (_windows.Count > MaxTracked)
        {
            _windows.Clear(); // a flood of all-different lines: nothing repeats, nothing to keep
        }

        var window = _windows.GetOrAdd(key, _ => new Window());
        lock (window)
        {
            if (window.Started != 0 && _time.GetElapsedTime(window.Started, now) < _interval)
            {
                window.Suppressed++;
                return FilterResult.Ignore;
            }

            var suppressed = window.Suppressed;
            window.Started = now;
            window.Suppressed = 0;
            if (suppressed > 0)
            {
                logEvent.Message = logEvent.FormattedMessage + string.Create(CultureInfo.InvariantCulture, $" ({suppressed} identical lines left out in the last {_interval.TotalSeconds:0.#} s)");
                logEvent.Parameters = null;
            }
        }

        return FilterResult.Neutral;
    }

    private sealed class Window
    {
        public long Started { get; set; }

        public long Suppressed { get; set; }
    }
}
