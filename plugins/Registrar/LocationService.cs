using Microsoft.Extensions.Logging;

namespace ScriptedSip.Plugins.Registrar;

/// <summary>
/// The location table (Kamailio's usrloc): bindings per address-of-record, in memory for lookups,
/// written to an <see cref="ILocationStore"/> before a change is acknowledged. One lock for the
/// table and the store keeps the journal in the order of the changes.
/// </summary>
public sealed partial class LocationService : IDisposable
{
    private readonly Lock _gate = new();
    private int _unflushed;
    private readonly Dictionary<string, List<Binding>> _table = new(StringComparer.Ordinal);

    // No binding expires before this (a lower bound: lowered whenever a list is stored, made exact
    // by each sweep that runs). The sweep skips the walk over every binding until it has passed.
    private DateTimeOffset _earliestExpiry = DateTimeOffset.MaxValue;
    private readonly ILocationStore _store;
    private readonly Action<string, IReadOnlyList<Binding>> _applyForeign;
    private readonly RegistrarOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public LocationService(ILocationStore store, RegistrarOptions options, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _options = options;
        _time = time;
        _logger = logger;
        _applyForeign = ApplyForeign;
        var now = time.GetUtcNow();
        foreach (var (aor, bindings) in store.Load())
        {
            var live = bindings.Where(b => b.Expires > now).ToList();
            if (live.Count > 0)
            {
                Put(aor, live);
            }
        }
    }

    /// <summary>Takes in what another loaded version of the plugin saved (a live reload in progress); under <c>_gate</c>.</summary>
    private void CatchUp() => _store.ApplyForeign(_applyForeign);

    private void ApplyForeign(string aor, IReadOnlyList<Binding> bindings)
    {
        if (bindings.Count == 0)
        {
            _table.Remove(aor);
        }
        else
        {
            Put(aor, [.. bindings]);
        }
    }

    /// <summary>Raised after a change was written to the store (under the table's lock: handlers must be quick and take none of its locks).</summary>
    public event Action? Changed;

    /// <summary>True when a change was written since the last <see cref="Flush"/>.</summary>
    public bool Unflushed => Volatile.Read(ref _unflushed) != 0;

    /// <summary>Addresses-of-record with at least one binding (expired ones not yet swept included).</summary>
    public int AorCount
    {
        get
        {
            lock (_gate)
            {
                CatchUp();
                return _table.Count;
            }
        }
    }

    /// <summary>Applies a REGISTER (RFC 3261 §10.3 steps 6–8).</summary>
    public RegisterOutcome Register(RegisterRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            CatchUp();
            var current = Live(request.Aor, now);
            if (request.Star)
            {
                if (request.ExpiresHeader != 0)
                {
                    return new RegisterOutcome(400, "Contact * needs Expires: 0", current);
                }

                return Commit(request.Aor, current, [], changed: current.Count > 0);
            }

            if (request.Contacts.Count == 0)
            {
                return new RegisterOutcome(200, "OK", current); // a query: the current bindings
            }

            var next = new List<Binding>(current);
            foreach (var contact in request.Contacts)
            {
                var expires = contact.Expires ?? request.ExpiresHeader ?? _options.DefaultExpires;
                if (expires != 0 && expires < _options.MinExpires)
                {
                    return new RegisterOutcome(423, "Interval Too Brief", current);
                }

                var binding = new Binding
                {
                    Aor = request.Aor,
                    Contact = contact.Uri,
                    Expires = now.AddSeconds(Math.Min(expires, _options.MaxExpires)),
                    Q = contact.Q,
                    CallId = request.CallId,
                    CSeq = request.CSeq,
                    Received = request.Received,
                    Nated = request.SourceIp is { } ip && NatDetection.IsPrivateAndNot(ContactUri.HostPort(contact.Uri), ip),
                    Path = request.Path,
                    Instance = contact.Instance,
                    RegId = contact.RegId,
                    Socket = request.Socket,
                    UserAgent = request.UserAgent,
                };
                var existing = next.FindIndex(b => b.SameDeviceAs(binding));
                if (existing >= 0)
                {
                    var old = next[existing];
                    // A contact listed twice in this request replaces its own first copy; only a binding
                    // stored before is checked for order.
                    if (current.Contains(old) && old.CallId == request.CallId && request.CSeq < old.CSeq)
                    {
                        // §10.3 step 7: an older request of the same registration must not win.
                        return new RegisterOutcome(500, "Out of order CSeq", current);
                    }

                    if (current.Contains(old) && old.CallId == request.CallId && request.CSeq == old.CSeq)
                    {
                        // The same request again: a retransmission whose 200 was late (answered statelessly,
                        // no transaction absorbs it). It changes nothing and gets the answer it got before.
                        return new RegisterOutcome(200, "OK", current);
                    }

                    next.RemoveAt(existing);
                }

                if (expires > 0)
                {
                    next.Add(binding);
                }
            }

            if (next.Count > _options.MaxContacts)
            {
                LogTooMany(_logger, request.Aor, next.Count, _options.MaxContacts);
                return new RegisterOutcome(403, "Too many registered contacts", current);
            }

            return Commit(request.Aor, current, next, changed: true);
        }
    }

    private RegisterOutcome Commit(string aor, List<Binding> current, List<Binding> next, bool changed)
    {
        if (changed)
        {
            try
            {
                _store.Write(aor, next);
                Wrote();
            }
            catch (IOException ex)
            {
                LogStoreFailed(_logger, aor, ex.Message);
                return new RegisterOutcome(500, "Location store failed", current);
            }

            if (next.Count == 0)
            {
                _table.Remove(aor);
            }
            else
            {
                Put(aor, next);
            }
        }

        return new RegisterOutcome(200, "OK", next);
    }

    /// <summary>The live bindings of an address-of-record, best first: highest q, then the most recently registered.</summary>
    public IReadOnlyList<Binding> Contacts(string aor)
    {
        ArgumentNullException.ThrowIfNull(aor);
        lock (_gate)
        {
            CatchUp();
            var live = Live(aor, _time.GetUtcNow());
            BindingOrder.SortBestFirst(live);
            return live;
        }
    }

    /// <summary>Removes every binding of an address-of-record; true when it had any.</summary>
    public bool Remove(string aor)
    {
        ArgumentNullException.ThrowIfNull(aor);
        lock (_gate)
        {
            CatchUp();
            if (!_table.ContainsKey(aor))
            {
                return false;
            }

            _store.Write(aor, []);

            Wrote();
            _table.Remove(aor);
            return true;
        }
    }

    /// <summary>Removes one binding (e.g. a NATed contact that stopped answering); true when it existed.</summary>
    public bool Remove(string aor, string contact)
    {
        ArgumentNullException.ThrowIfNull(aor);
        ArgumentNullException.ThrowIfNull(contact);
        lock (_gate)
        {
            CatchUp();
            if (!_table.TryGetValue(aor, out var list) || list.RemoveAll(b => ContactUri.Equivalent(b.Contact, contact)) == 0)
            {
                return false;
            }

            _store.Write(aor, list);

            Wrote();
            if (list.Count == 0)
            {
                _table.Remove(aor);
            }

            return true;
        }
    }

    /// <summary>
    /// Removes <paramref name="binding"/> only if it is still stored as it was (same Contact, Call-ID
    /// and CSeq): a REGISTER that refreshed it meanwhile proves the contact alive. True when removed.
    /// </summary>
    public bool RemoveIfUnchanged(Binding binding)
    {
        ArgumentNullException.ThrowIfNull(binding);
        lock (_gate)
        {
            CatchUp();
            if (!_table.TryGetValue(binding.Aor, out var list)
                || list.RemoveAll(b => b.CSeq == binding.CSeq && b.CallId == binding.CallId && ContactUri.Equivalent(b.Contact, binding.Contact)) == 0)
            {
                return false;
            }

            _store.Write(binding.Aor, list);

            Wrote();
            if (list.Count == 0)
            {
                _table.Remove(binding.Aor);
            }

            return true;
        }
    }

    /// <summary>Every live binding (for keep-alive pings and snapshots).</summary>
    public IReadOnlyList<Binding> All()
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            CatchUp();
            return [.. _table.Values.SelectMany(l => l).Where(b => b.Expires > now)];
        }
    }

    /// <summary>Drops expired bindings from memory (the store's loader drops them too, so nothing is written).</summary>
    public int SweepExpired()
    {
        var now = _time.GetUtcNow();
        var removed = 0;
        lock (_gate)
        {
            CatchUp();
            if (now < _earliestExpiry)
            {
                return 0; // nothing can have expired: no walk over the table (it holds the lock Save needs)
            }

            var earliest = DateTimeOffset.MaxValue;
            foreach (var (aor, list) in _table)
            {
                for (var i = list.Count - 1; i >= 0; i--)
                {
                    if (list[i].Expires <= now)
                    {
                        list.RemoveAt(i);
                        removed++;
                    }
                    else if (list[i].Expires < earliest)
                    {
                        earliest = list[i].Expires;
                    }
                }

                if (list.Count == 0)
                {
                    _table.Remove(aor); // allowed while enumerating a Dictionary
                }
            }

            _earliestExpiry = earliest;
        }

        return removed;
    }

    /// <summary>Stores an AOR's bindings (under <c>_gate</c>), lowering the earliest expiry the sweep waits for.</summary>
    private void Put(string aor, List<Binding> bindings)
    {
        _table[aor] = bindings;
        foreach (var binding in bindings)
        {
            if (binding.Expires < _earliestExpiry)
            {
                _earliestExpiry = binding.Expires;
            }
        }
    }

    /// <summary>Writes the whole table to the store's snapshot and starts its journal afresh.</summary>
    public void Snapshot()
    {
        lock (_gate)
        {
            CatchUp();
            _store.Snapshot(_table.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<Binding>)kv.Value, StringComparer.Ordinal));
        }
    }

    /// <summary>The Interval fsync policy's tick.</summary>
    public void Flush()
    {
        lock (_gate)
        {
            CatchUp();
            _store.Flush();
            Volatile.Write(ref _unflushed, 0); // after the flush: a failed one is tried again
        }
    }

    private void Wrote()
    {
        Volatile.Write(ref _unflushed, 1);
        Changed?.Invoke();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            CatchUp();
            _store.Dispose();
        }
    }

    private List<Binding> Live(string aor, DateTimeOffset now) =>
        _table.TryGetValue(aor, out var list) ? BindingOrder.Live(list, now) : [];

    [LoggerMessage(EventId = 7102, Level = LogLevel.Warning, Message = "REGISTER for {Aor} refused: {Count} bindings would exceed MaxContacts {Max}")]
    private static partial void LogTooMany(ILogger logger, string aor, int count, int max);

    [LoggerMessage(EventId = 7103, Level = LogLevel.Error, Message = "REGISTER for {Aor} not stored: {Reason}")]
    private static partial void LogStoreFailed(ILogger logger, string aor, string reason);
}
