namespace ScriptedSip.Plugins.Dispatcher;

/// <summary>
/// What <c>Select</c> chose for a call, kept for <c>Next</c> (the failure route), <c>Mark</c> and
/// <c>LoadEnd</c>: a fixed table of slots found by the Call-ID's hash (4 neighbours probed), so the
/// per-call state costs no allocation and the memory never grows. When the 4 slots of a hash are
/// taken, the one written longest ago is reused (counted in <see cref="Evicted"/>); its call can no
/// longer fail over.
/// </summary>
internal sealed class FailoverSlots
{
    private const int Neighbours = 4;
    private readonly Slot[] _slots;
    private readonly Lock[] _locks;
    private readonly int _mask;
    private long _evicted;
    private long _clock;

    public FailoverSlots(int capacity)
    {
        var size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)capacity);
        _slots = new Slot[size];
        _mask = size - 1;
        _locks = new Lock[64];
        for (var i = 0; i < _locks.Length; i++)
        {
            _locks[i] = new Lock();
        }
    }

    public long Evicted => Interlocked.Read(ref _evicted);

    public int Capacity => _slots.Length;

    /// <summary>Stores the choice for <paramref name="callId"/>; returns the entry it replaced for the same call (so its load can be released).</summary>
    public Slot Put(string callId, uint hash, in Slot value)
    {
        var start = Block(hash);
        lock (_locks[(start >> 2) & 63])
        {
            var target = -1;
            long oldest = long.MaxValue;
            for (var p = 0; p < Neighbours; p++)
            {
                var i = start + p;
                ref var slot = ref _slots[i];
                if (slot.CallId is null || string.Equals(slot.CallId, callId, StringComparison.Ordinal))
                {
                    target = i;
                    break;
                }

                if (slot.Stamp < oldest)
                {
                    oldest = slot.Stamp;
                    target = i;
                }
            }

            ref var chosen = ref _slots[target];
            var previous = chosen;
            if (previous.CallId is not null && !string.Equals(previous.CallId, callId, StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _evicted);
            }

            chosen = value;
            chosen.CallId = callId;
            chosen.Stamp = Interlocked.Increment(ref _clock);
            return previous;
        }
    }

    /// <summary>Runs <paramref name="update"/> on the call's slot under its lock; false when the call has none.</summary>
    public bool Update<TState>(string callId, uint hash, TState state, UpdateSlot<TState> update)
    {
        var start = Block(hash);
        lock (_locks[(start >> 2) & 63])
        {
            for (var p = 0; p < Neighbours; p++)
            {
                ref var slot = ref _slots[start + p];
                if (string.Equals(slot.CallId, callId, StringComparison.Ordinal))
                {
                    if (!update(ref slot, state))
                    {
                        slot = default; // the call is done with the dispatcher
                    }

                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>
    /// The first of the 4 slots a hash may use: blocks of 4 are aligned, so every call that can touch
    /// a slot takes the same lock (one of 64 stripes, by block).
    /// </summary>
    private int Block(uint hash) => (int)((hash * 0x9E3779B1u) & (uint)_mask) & ~(Neighbours - 1);

    /// <summary>Changes a slot in place; return false to free it.</summary>
    public delegate bool UpdateSlot<in TState>(ref Slot slot, TState state);

    /// <summary>One call's dispatch: the set snapshot, how candidates are ordered, how far failover got.</summary>
    internal struct Slot
    {
        public string? CallId;
        public DestinationSet Set;
        public bool ByPriority;
        public int Start;
        public int Position;
        public bool Loaded;
        public long Stamp;

        /// <summary>Index into the set's destinations of candidate number <paramref name="k"/>.</summary>
        public readonly int Candidate(int k) => ByPriority ? Set.ByPriority[k] : (Start + k) % Set.Destinations.Length;

        public readonly Destination Current => Set.Destinations[Candidate(Position)];
    }
}
