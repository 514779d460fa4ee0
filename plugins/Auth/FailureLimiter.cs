using System.Collections.Concurrent;

namespace ScriptedSip.Plugins.Auth;

/// <summary>
/// Counts failed authentications per key (source address, user) in a fixed window; a key at
/// MaxFailures is refused until its window ends. Bounded: windows that ended are swept.
/// </summary>
internal sealed class FailureLimiter
{
    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly int _max;
    private readonly TimeSpan _length;

    public FailureLimiter(TimeProvider time, int max, TimeSpan length)
    {
        _time = time;
        _max = max;
        _length = length;
    }

    public bool IsBlocked(string key) =>
        _windows.TryGetValue(key, out var w) && w.Ends > _time.GetUtcNow() && Volatile.Read(ref w.Count) >= _max;

    /// <summary>Counts a failure; true when this one reached the limit (the moment to log it once).</summary>
    public bool Fail(string key)
    {
        var now = _time.GetUtcNow();
        var window = _windows.AddOrUpdate(key, _ => new Window(now + _length), (_, w) => w.Ends > now ? w : new Window(now + _length));
        return Interlocked.Increment(ref window.Count) == _max;
    }

    public void Sweep()
    {
        var now = _time.GetUtcNow();
        foreach (var (key, window) in _windows)
        {
            if (window.Ends <= now)
            {
                _windows.TryRemove(key, out _);
            }
        }
    }

    private sealed class Window(DateTimeOffset ends)
    {
        public DateTimeOffset Ends { get; } = ends;

        public int Count;
    }
}
