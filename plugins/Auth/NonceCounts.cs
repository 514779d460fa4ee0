namespace ScriptedSip.Plugins.Auth;

/// <summary>What a nonce-count turned out to be.</summary>
internal enum NonceCountResult
{
    /// <summary>Higher than any seen with this nonce (or the same request sent again): accept.</summary>
    Fresh,

    /// <summary>Not higher than one already used with this nonce by another request: a replay.</summary>
    Replayed,

    /// <summary>
    /// The nonce's slot was taken by a newer nonce, so its counts can no longer be checked: treat
    /// it as stale (the client retries at once with a fresh nonce, no user prompt).
    /// </summary>
    Untracked,
}

/// <summary>
/// The highest nonce-count seen per nonce, in a table of fixed size (Kamailio's nc array works the
/// same way): every nonce carries a sequence number given when it was issued, which picks its slot;
/// a newer nonce whose number falls on the same slot takes it over. Nothing is allocated per
/// challenge or per check, and nothing needs sweeping: with a map of nonces, every nonce in use
/// stayed on the heap for its whole lifetime (300 s by default), which under load filled the
/// oldest generation of the garbage collector with entries that all died there.
/// </summary>
internal sealed class NonceCounts
{
    /// <summary>Slots: at 1,000 new nonces a second, a nonce keeps its slot for about two minutes.</summary>
    public const int Size = 1 << 17;

    private const int Stripes = 64;

    private readonly Slot[] _slots = new Slot[Size];
    private readonly Lock[] _locks = CreateLocks();

    /// <summary>Records <paramref name="nonceCount"/> for the nonce numbered <paramref name="sequence"/>.</summary>
    /// <param name="requestHash">The request that used it (top Via and CSeq); a retransmission of that
    /// request carries the same count and is accepted again. 0: no such exception.</param>
    public NonceCountResult Record(uint sequence, uint nonceCount, int requestHash)
    {
        var index = (int)(sequence & (Size - 1));
        lock (_locks[index & (Stripes - 1)])
        {
            ref var slot = ref _slots[index];
            if (!slot.Used || slot.Sequence != sequence)
            {
                // An older nonce than the one holding the slot lost its place: its counts are gone.
                if (slot.Used && (int)(sequence - slot.Sequence) < 0)
                {
                    return NonceCountResult.Untracked;
                }

                slot = new Slot(sequence, nonceCount, requestHash);
                return NonceCountResult.Fresh;
            }

            if (nonceCount > slot.Count)
            {
                slot = new Slot(sequence, nonceCount, requestHash);
                return NonceCountResult.Fresh;
            }

            return nonceCount == slot.Count && requestHash != 0 && requestHash == slot.RequestHash
                ? NonceCountResult.Fresh
                : NonceCountResult.Replayed;
        }
    }

    private static Lock[] CreateLocks()
    {
        var locks = new Lock[Stripes];
        for (var i = 0; i < locks.Length; i++)
        {
            locks[i] = new Lock();
        }

        return locks;
    }

    private readonly record struct Slot(uint Sequence, uint Count, int RequestHash)
    {
        public bool Used { get; } = true;
    }
}
