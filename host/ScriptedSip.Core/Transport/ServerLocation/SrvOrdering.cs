namespace ScriptedSip.Core.Transport.ServerLocation;

/// <summary>
/// RFC 2782's selection order: the lowest rank (priority) first; within one rank, repeatedly pick
/// a service at random with a chance proportional to its weight (weight-0 services get a chance
/// only when the draw is 0, so they come last unless all weights are 0).
/// </summary>
public static class SrvOrdering
{
    public static List<LocatedService> Order(IReadOnlyList<LocatedService> services, Random random)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(random);
        var ordered = new List<LocatedService>(services.Count);
        foreach (var group in services.GroupBy(s => s.Rank).OrderBy(g => g.Key))
        {
            // RFC 2782: the zero-weight entries first in the list, then the running sum decides.
            var left = group.OrderBy(s => s.Weight == 0 ? 0 : 1).ToList();
            while (left.Count > 0)
            {
                var total = left.Sum(s => (long)s.Weight);
                var draw = total == 0 ? 0 : random.NextInt64(total + 1);
                long running = 0;
                var chosen = left.Count - 1;
                for (var i = 0; i < left.Count; i++)
                {
                    running += left[i].Weight;
                    if (running >= draw)
                    {
                        chosen = i;
                        break;
                    }
                }

                ordered.Add(left[chosen]);
                left.RemoveAt(chosen);
            }
        }

        return ordered;
    }
}
