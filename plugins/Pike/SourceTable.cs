using System.Buffers.Binary;

namespace ScriptedSip.Plugins.Pike;

/// <summary>
/// Request density per source address in a fixed table: 8-way buckets chosen by the address's hash,
/// one lock per bucket group. Counting uses two fixed windows weighted into a sliding one
/// (previous × the part of it still inside the window + current), so a source's state is a few
/// numbers and checking a request allocates nothing. Memory never grows: an address new to a full
/// bucket replaces the one seen longest ago that is not blocked (a blocked one only when all are),
/// and every replacement is counted — a flood of spoofed sources evicts itself, not the blocks.
/// </summary>
internal sealed class SourceTable
{
    private const int Ways = 8;
    private readonly Entry[] _entries;
    private readonly Lock[] _locks = [.. Enumerable.Range(0, 256).Select(_ => new Lock())];
    private readonly int _bucketMask;
    private readonly long _window;
    private readonly int _maxRequests;
    private readonly long _block;
    private readonly ulong _seed = (ulong)Random.Shared.NextInt64();
    private long _evicted;
    private int _tracked;

    /// <param name="window">The window in timestamp ticks.</param>
    /// <param name="block">The block time in timestamp ticks.</param>
    public SourceTable(int size, long window, int maxRequests, long block)
    {
        var buckets = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, size / Ways));
        _entries = new Entry[buckets * Ways];
        _bucketMask = buckets - 1;
        _window = window;
        _maxRequests = maxRequests;
        _block = block;
    }

    /// <summary>Slots in the table (its bound).</summary>
    public int Capacity => _entries.Length;

    /// <summary>Addresses tracked now.</summary>
    public int Tracked => Volatile.Read(ref _tracked);

    /// <summary>Addresses replaced because their bucket was full.</summary>
    public long Evicted => Interlocked.Read(ref _evicted);

    /// <summary>Counts one request from <paramref name="address"/> (4 or 16 bytes) at <paramref name="now"/>.</summary>
    public Verdict Hit(ReadOnlySpan<byte> address, long now)
    {
        var (high, low) = Key(address);
        var bucket = (int)(Mix(high, low) & (ulong)_bucketMask);
        var first = bucket * Ways;
        lock (_locks[bucket & 255])
        {
            var index = Find(first, high, low, now);
            ref var entry = ref _entries[index];
            if (entry.BlockedUntil > now)
            {
                entry.LastSeen = now;
                return new Verdict(Blocked: true, NewlyBlocked: false, RemainingTicks: entry.BlockedUntil - now, Count: 0);
            }

            // Roll the fixed windows forward; a gap of two windows or more clears both.
            var elapsed = now - entry.WindowStart;
            if (elapsed >= 2 * _window)
            {
                entry.Previous = 0;
                entry.Current = 0;
                entry.WindowStart = now;
                elapsed = 0;
            }
            else if (elapsed >= _window)
            {
                entry.Previous = entry.Current;
                entry.Current = 0;
                entry.WindowStart += _window;
                elapsed -= _window;
            }

            entry.Current++;
            entry.LastSeen = now;
            var inWindow = entry.Current + (entry.Previous * (_window - elapsed) / _window);
            if (inWindow > _maxRequests)
            {
                entry.BlockedUntil = now + _block;
                entry.Previous = 0;
                entry.Current = 0;
                return new Verdict(Blocked: true, NewlyBlocked: true, RemainingTicks: _block, Count: inWindow);
            }

            return default;
        }
    }

    /// <summary>The entry for the address in its bucket: found, a free one, or the one to replace.</summary>
    private int Find(int first, ulong high, ulong low, long now)
    {
        var free = -1;
        var oldest = -1;
        var oldestBlocked = -1;
        for (var i = first; i < first + Ways; i++)
        {
            ref var entry = ref _entries[i];
            if (!entry.Used)
            {
                free = free < 0 ? i : free;
                continue;
            }

            if (entry.High == high && entry.Low == low)
            {
                return i;
            }

            if (entry.BlockedUntil > now)
            {
                oldestBlocked = oldestBlocked < 0 || entry.LastSeen < _entries[oldestBlocked].LastSeen ? i : oldestBlocked;
            }
            else
            {
                oldest = oldest < 0 || entry.LastSeen < _entries[oldest].LastSeen ? i : oldest;
            }
        }

        var target = free >= 0 ? free : oldest >= 0 ? oldest : oldestBlocked;
        if (free >= 0)
        {
            Interlocked.Increment(ref _tracked);
        }
        else
        {
            Interlocked.Increment(ref _evicted);
        }

        _entries[target] = new Entry { Used = true, High = high, Low = low, WindowStart = now };
        return target;
    }

    /// <summary>IPv4 as ::ffff:a.b.c.d, so both families share one key space.</summary>
    private static (ulong High, ulong Low) Key(ReadOnlySpan<byte> address) => address.Length == 4
        ? (0, 0x0000_FFFF_0000_0000UL | BinaryPrimitives.ReadUInt32BigEndian(address))
        : (BinaryPrimitives.ReadUInt64BigEndian(address), BinaryPrimitives.ReadUInt64BigEndian(address[8..]));

    /// <summary>Seeded per process, so a sender cannot aim its spoofed addresses at one bucket.</summary>
    private ulong Mix(ulong high, ulong low)
    {
        var h = (high ^ _seed) * 0x9E3779B97F4A7C15UL;
        h ^= low + 0x632BE59BD9B4E019UL + (h << 6) + (h >> 2);
        h *= 0xBF58476D1CE4E5B9UL;
        return h ^ (h >> 31);
    }

    internal readonly record struct Verdict(bool Blocked, bool NewlyBlocked, long RemainingTicks, long Count);

    private struct Entry
    {
        public bool Used;
        public ulong High;
        public ulong Low;
        public long WindowStart;
        public long Current;
        public long Previous;
        public long LastSeen;
        public long BlockedUntil;
    }
}
