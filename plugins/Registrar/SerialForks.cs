using System.Collections.Concurrent;

namespace ScriptedSip.Plugins.Registrar;

/// <summary>
/// Contacts of lower q-value groups waiting for their turn (Kamailio's t_load_contacts /
/// t_next_contacts): <see cref="Registrar.Lookup"/> forks to the best group and leaves the rest
/// here, keyed by the request's transaction identity (Call-ID, CSeq, From), for
/// <see cref="Registrar.NextContacts"/> in the failure route. Entries end with the transaction
/// at the latest (swept after <see cref="Lifetime"/>).
/// </summary>
internal sealed class SerialForks
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<string, (Queue<List<Binding>> Groups, DateTimeOffset Expires)> _pending = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public SerialForks(TimeProvider time) => _time = time;

    public int Count => _pending.Count;

    /// <summary>
    /// True once anything was stashed: until then a lookup with one q-value group has nothing to drop
    /// and skips building the request's key (a dictionary's Count takes all its locks).
    /// </summary>
    public bool EverStashed => Volatile.Read(ref _everStashed);

    private bool _everStashed;

    /// <summary>Raised after groups were stashed (the sweep wakes for them).</summary>
    public event Action? Added;

    public void Stash(string key, IEnumerable<List<Binding>> groups)
    {
        var queue = new Queue<List<Binding>>(groups);
        if (queue.Count == 0)
        {
            _pending.TryRemove(key, out _);
            return;
        }

        Volatile.Write(ref _everStashed, true);
        _pending[key] = (queue, _time.GetUtcNow() + Lifetime);
        Added?.Invoke();
    }

    /// <summary>The next group, or null when none is left.</summary>
    public List<Binding>? Next(string key)
    {
        if (!_pending.TryGetValue(key, out var entry))
        {
            return null;
        }

        lock (entry.Groups)
        {
            if (entry.Groups.TryDequeue(out var group))
            {
                if (entry.Groups.Count == 0)
                {
                    _pending.TryRemove(key, out _);
                }

                return group;
            }
        }

        _pending.TryRemove(key, out _);
        return null;
    }

    public void Sweep()
    {
        var now = _time.GetUtcNow();
        foreach (var (key, entry) in _pending)
        {
            if (entry.Expires <= now)
            {
                _pending.TryRemove(key, out _);
            }
        }
    }
}
