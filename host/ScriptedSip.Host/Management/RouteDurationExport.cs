using Prometheus;
using ScriptedSip.Core.Stats;

namespace ScriptedSip.Host.Management;

/// <summary>
/// Brings the workers' route durations (<see cref="RouteTimings"/>) into the Prometheus histogram
/// <c>scriptedsip_route_duration_seconds</c> at each scrape. What arrived since the last scrape is
/// observed per route and bucket as one value with its count: the mean of those turns, which lies in
/// their bucket, so bucket counts, count and sum come out as if each turn had been observed.
/// </summary>
internal sealed class RouteDurationExport
{
    private readonly RouteTimings _timings;
    private readonly Histogram _histogram;
    private readonly Dictionary<RouteTimingCell, Seen> _seen = [];
    private readonly Lock _lock = new();

    public RouteDurationExport(RouteTimings timings, Histogram histogram)
    {
        _timings = timings;
        _histogram = histogram;
    }

    /// <summary>Before each collection; two scrapes at once take turns, so nothing is observed twice.</summary>
    public void Collect()
    {
        lock (_lock)
        {
            foreach (var recorder in _timings.Recorders)
            {
                foreach (var cell in recorder.Cells)
                {
                    Collect(cell);
                }
            }
        }
    }

    private void Collect(RouteTimingCell cell)
    {
        if (!_seen.TryGetValue(cell, out var seen))
        {
            _seen[cell] = seen = new Seen();
        }

        Histogram.Child? child = null;
        for (var bucket = 0; bucket < seen.Counts.Length; bucket++)
        {
            var (count, sum) = cell.Read(bucket);
            var added = count - seen.Counts[bucket];
            if (added <= 0)
            {
                continue;
            }

            var addedSum = sum - seen.Sums[bucket];
            seen.Counts[bucket] = count;
            seen.Sums[bucket] = sum;
            child ??= _histogram.WithLabels(cell.Route);
            child.Observe(WithinBucket(bucket, addedSum / added), added);
        }
    }

    /// <summary>
    /// The mean of turns in one bucket lies in that bucket; a sum read while its worker was adding a
    /// newer turn can push it past the edge, and then it is held at the edge (the next scrape's sum
    /// starts from the true total, so the slip does not add up).
    /// </summary>
    private static double WithinBucket(int bucket, double mean)
    {
        var bounds = RouteTimings.Bounds;
        var upper = bucket < bounds.Count ? bounds[bucket] : double.MaxValue;
        var lower = bucket == 0 ? 0 : Math.BitIncrement(bounds[bucket - 1]);
        return Math.Clamp(mean, lower, upper);
    }

    private sealed class Seen
    {
        public long[] Counts { get; } = new long[RouteTimings.Bounds.Count + 1];

        public double[] Sums { get; } = new double[RouteTimings.Bounds.Count + 1];
    }
}
