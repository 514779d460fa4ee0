using System.Globalization;

namespace ScriptedSip.Host.Management;

/// <summary>
/// At most one line per second for one kind of warning: a flood of bad requests must not flood the
/// log. The line that is written says how many were left out since the previous one.
/// </summary>
internal sealed class LogLimiter
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    private long _last;
    private long _suppressed;

    public LogLimiter(TimeProvider time, TimeSpan? interval = null)
    {
        _time = time;
        _interval = interval ?? TimeSpan.FromSeconds(1);
    }

    /// <summary>True when a line may be written now; <paramref name="suppressed"/> is then "" or " (N more like it not logged)".</summary>
    public bool ShouldLog(out string suppressed)
    {
        var now = _time.GetTimestamp();
        var last = Interlocked.Read(ref _last);
        if (last != 0 && _time.GetElapsedTime(last, now) < _interval || Interlocked.CompareExchange(ref _last, now, last) != last)
        {
            Interlocked.Increment(ref _suppressed);
            suppressed = string.Empty;
            return false;
        }

        var count = Interlocked.Exchange(ref _suppressed, 0);
        suppressed = count == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $" ({count} more like it not logged in the last interval)");
        return true;
    }
}
