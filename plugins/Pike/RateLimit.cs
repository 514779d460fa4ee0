using System.Collections.Concurrent;

namespace ScriptedSip.Plugins.Pike;

/// <summary>
/// Token buckets by key for scripts (Kamailio's pipelimit):
/// <c>if (!Plugin&lt;RateLimit&gt;().TryAcquire("INVITE", 100)) { SlSendReply(503, "Slow Down"); return; }</c>.
/// A key's bucket holds up to one second of tokens and refills at <c>perSecond</c>; a known key
/// costs no allocation. At most <c>RateLimitKeys</c> keys are tracked: keys idle for a minute make
/// room, and a new key that finds no room is refused (counted in <see cref="Refused"/>) rather than
/// letting memory grow.
/// </summary>
public sealed class RateLimit
{
    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly int _maxKeys;
    private long _refused;

    internal RateLimit(TimeProvider time, int maxKeys)
    {
        _time = time;
        _maxKeys = maxKeys;
    }

    /// <summary>Keys tracked now.</summary>
    public int Keys => _buckets.Count;

    /// <summary>New keys refused because <c>RateLimitKeys</c> were tracked and none was idle.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Takes one token from <paramref name="key"/>'s bucket; false when it is empty (over <paramref name="perSecond"/>).</summary>
    public bool TryAcquire(string key, double perSecond)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perSecond);
        var now = _time.GetTimestamp();
        if (!_buckets.TryGetValue(key, out var bucket))
        {
            if (_buckets.Count >= _maxKeys && !MakeRoom(now))
            {
                Interlocked.Increment(ref _refused);
                return false;
            }

            bucket = _buckets.GetOrAdd(key, static (_, state) => new Bucket(state.perSecond, state.now), (perSecond, now));
        }

        return bucket.TryTake(perSecond, now, _time.TimestampFrequency);
    }

    private bool MakeRoom(long now)
    {
        var idle = (long)(Idle.TotalSeconds * _time.TimestampFrequency);
        foreach (var (key, bucket) in _buckets)
        {
            if (now - bucket.LastUsed > idle)
            {
                _buckets.TryRemove(key, out _);
            }
        }

        return _buckets.Count < _maxKeys;
    }

    private sealed class Bucket(double tokens, long now)
    {
        private readonly Lock _lock = new();
        private double _tokens = tokens;
        private long _updated = now;

        public long LastUsed => Volatile.Read(ref _updated);

        public bool TryTake(double perSecond, long now, long frequency)
        {
            lock (_lock)
            {
                _tokens = Math.Min(perSecond, _tokens + ((now - _updated) * perSecond / frequency));
                _updated = now;
                if (_tokens < 1)
                {
                    return false;
                }

                _tokens -= 1;
                return true;
            }
        }
    }
}
