namespace ScriptedSip.Plugins.Htable;

/// <summary>
/// One bounded table. A dictionary for lookups plus a list in write order, so the least recently
/// written item is evicted in O(1) when the table is full and expiry sweeps stop at the first
/// item that is still fresh (with one AutoExpire per table, write order is expiry order; items
/// with an explicit Expire are checked on access and by a full sweep).
/// </summary>
internal sealed class Table
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<Item>> _items = new(StringComparer.Ordinal);
    private readonly LinkedList<Item> _order = new();
    private readonly TimeProvider _time;
    private long _evicted;

    public Table(string name, TableOptions options, TimeProvider time)
    {
        Name = name;
        Options = options;
        _time = time;
    }

    public string Name { get; }

    public TableOptions Options { get; }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _items.Count;
            }
        }
    }

    public long Evicted => Interlocked.Read(ref _evicted);

    /// <summary>Called when an item is stored, under the table's lock (the expiry sweep's look at the tables takes that lock too, so it sees the item): the sweep wakes for it.</summary>
    public Action? Stored { get; set; }

    /// <summary>Every live item in write order, with its expiry (null = never): htable.dump.</summary>
    public List<(string Key, object Value, DateTimeOffset? ExpiresAt)> Snapshot()
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            return [.. _order
                .Where(item => !IsExpired(item, now))
                .Select(item => (item.Key, item.Value, item.ExpiresAt == DateTimeOffset.MaxValue ? (DateTimeOffset?)null : item.ExpiresAt))];
        }
    }

    public object? Get(string key)
    {
        lock (_lock)
        {
            if (!_items.TryGetValue(key, out var node))
            {
                return null;
            }

            if (IsExpired(node.Value, _time.GetUtcNow()))
            {
                Remove(node);
                return null;
            }

            return node.Value.Value;
        }
    }

    public void Set(string key, object value)
    {
        lock (_lock)
        {
            Write(key, value);
        }
    }

    public long Inc(string key, long by)
    {
        lock (_lock)
        {
            var current = _items.TryGetValue(key, out var node) && !IsExpired(node.Value, _time.GetUtcNow()) && node.Value.Value is long number ? number : 0;
            var next = current + by;
            Write(key, next);
            return next;
        }
    }

    public bool Delete(string key)
    {
        lock (_lock)
        {
            if (!_items.TryGetValue(key, out var node))
            {
                return false;
            }

            Remove(node);
            return true;
        }
    }

    public bool Expire(string key, int seconds)
    {
        lock (_lock)
        {
            if (!_items.TryGetValue(key, out var node))
            {
                return false;
            }

            node.Value.ExpiresAt = seconds <= 0 ? DateTimeOffset.MaxValue : _time.GetUtcNow().AddSeconds(seconds);
            return true;
        }
    }

    /// <summary>Removes every expired item and returns them (for the expiry route).</summary>
    public List<(string Key, object Value)> RemoveExpired()
    {
        var expired = new List<(string, object)>();
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            for (var node = _order.First; node is not null;)
            {
                var next = node.Next;
                if (IsExpired(node.Value, now))
                {
                    expired.Add((node.Value.Key, node.Value.Value));
                    Remove(node);
                }

                node = next;
            }
        }

        return expired;
    }

    private void Write(string key, object value)
    {
        Stored?.Invoke();
        var expires = Options.AutoExpire > 0 ? _time.GetUtcNow().AddSeconds(Options.AutoExpire) : DateTimeOffset.MaxValue;
        if (_items.TryGetValue(key, out var node))
        {
            node.Value.Value = value;
            node.Value.ExpiresAt = expires;
            _order.Remove(node);
            _order.AddLast(node);
            return;
        }

        if (_items.Count >= Options.Size && _order.First is { } oldest)
        {
            Remove(oldest);
            Interlocked.Increment(ref _evicted);
        }

        _items[key] = _order.AddLast(new Item(key, value, expires));
    }

    private void Remove(LinkedListNode<Item> node)
    {
        _items.Remove(node.Value.Key);
        _order.Remove(node);
    }

    private static bool IsExpired(Item item, DateTimeOffset now) => item.ExpiresAt <= now;

    private sealed class Item(string key, object value, DateTimeOffset expiresAt)
    {
        public string Key { get; } = key;

        public object Value { get; set; } = value;

        public DateTimeOffset ExpiresAt { get; set; } = expiresAt;
    }
}
