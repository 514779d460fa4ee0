namespace ScriptedSip.Plugins.Dispatcher;

/// <summary>
/// One set as loaded: its destinations in configuration order, the same ordered by priority, and a
/// 100-slot table for the weight algorithm (each destination gets slots in proportion to its weight,
/// as Kamailio's alg 9 does). Immutable apart from the round-robin counter and the destinations' health.
/// </summary>
internal sealed class DestinationSet
{
    private int _roundRobin = -1;

    public DestinationSet(int id, Destination[] destinations)
    {
        Id = id;
        Destinations = destinations;
        ByPriority = [.. Enumerable.Range(0, destinations.Length).OrderBy(i => destinations[i].Priority).ThenBy(i => i)];
        WeightSlots = BuildWeightSlots(destinations);
    }

    public int Id { get; }

    public Destination[] Destinations { get; }

    /// <summary>Indexes into <see cref="Destinations"/>, lowest priority value first.</summary>
    public int[] ByPriority { get; }

    /// <summary>100 indexes into <see cref="Destinations"/>, spread by weight.</summary>
    public int[] WeightSlots { get; }

    public int NextRoundRobin() => (int)((uint)Interlocked.Increment(ref _roundRobin) % (uint)Destinations.Length);

    private static int[] BuildWeightSlots(Destination[] destinations)
    {
        var slots = new int[100];
        var total = destinations.Sum(d => (long)d.Weight);
        var filled = 0;
        for (var i = 0; i < destinations.Length && filled < slots.Length; i++)
        {
            var share = (int)Math.Round(destinations[i].Weight * 100.0 / total);
            for (var k = 0; k < share && filled < slots.Length; k++)
            {
                slots[filled++] = i;
            }
        }

        // Rounding may leave slots over: the last destination takes them (Kamailio does the same).
        while (filled < slots.Length)
        {
            slots[filled++] = destinations.Length - 1;
        }

        // Interleave so that consecutive calls do not all land on one destination: a fixed shuffle.
        var random = new Random(destinations.Length);
        random.Shuffle(slots);
        return slots;
    }
}
