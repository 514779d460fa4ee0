using System.Collections.Concurrent;

namespace ScriptedSip.Plugins.Auth;

/// <summary>What a failure is counted against.</summary>
internal enum FailureKind
{
    Source,
    User,
}

/// <summary>
/// Counts failed authentications per key (source address, user) in a fixed window; a key at
/// MaxFailures is refused until its window ends. Bounded: windows that ended are swept.
/// </summary>
internal sealed class FailureLimiter
{
    // Keyed by kind and value, not by a prefixed string: no string built per request.
    private readonly ConcurrentDictionary<(FailureKind Kind, string Value), Window> _windows = new();
    private readonly TimeProvider _time;
    private readonly int _max;
    private readonly TimeSpan _length;

    public FailureLimiter(TimeProvider time, int max, TimeSpan length)
    {
        _time = time;
        _max = max;
        _length = length;
    }

    public bool IsBlocked(FailureKind kind, string value) =>
        _windows.TryGetValue((kind, value), out var w) && w.Ends > _time.GetUtcNow() && Volatile.Read(ref w.Count) >= _max;

    /// <summary>Counts a failure; true when this one reached the limit (the moment to log it once).</summary>
    public bool Fail(FailureKind kind, string value)
    {
        var now = _time.GetUtcNow();
        var window = _windows.AddOrUpdate((kind, value), _ => new Window(now + _length), (_, w) => w.Ends > now ? w : new Window(now + _length));
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
