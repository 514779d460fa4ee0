namespace ScriptedSip.Core.Stats;

/// <summary>
/// The route-duration histogram (<see cref="SipInstruments.RouteDuration"/>) as the message path
/// records it: each worker's clock owns a <see cref="RouteTimingRecorder"/> that only the thread
/// running as that worker writes, so a turn's duration costs a bucket search and two plain adds —
/// no interlocked operation, no listener dispatch. An exporter reads the recorders when it is
/// scraped (<see cref="Recorders"/>). Why not the meter's histogram on the path: recording through
/// a <c>MeterListener</c> into a shared histogram (two atomic adds per observation) was measured at
/// a few percent of a non-SIP packet's whole cost.
/// </summary>
public sealed class RouteTimings
{
    /// <summary>Upper bounds of the buckets in seconds: 10 µs × 4ᵏ, k = 0..10 (10 µs .. about 10.5 s), then +Inf.</summary>
    public static IReadOnlyList<double> Bounds { get; } = [.. Enumerable.Range(0, 11).Select(k => 0.00001 * Math.Pow(4, k))];

    private static readonly double[] BoundsArray = [.. Bounds];
    private volatile RouteTimingRecorder[] _recorders = [];
    private readonly Lock _lock = new();

    /// <summary>Every recorder made so far (one per worker clock).</summary>
    public IReadOnlyList<RouteTimingRecorder> Recorders => _recorders;

    /// <summary>A recorder for one writer (a worker's clock).</summary>
    public RouteTimingRecorder NewRecorder()
    {
        var recorder = new RouteTimingRecorder();
        lock (_lock)
        {
            _recorders = [.. _recorders, recorder];
        }

        return recorder;
    }

    /// <summary>The bucket of <paramref name="seconds"/>: the first whose bound is not below it (Prometheus' <c>le</c>); <see cref="Bounds"/>.Count for +Inf.</summary>
    public static int BucketOf(double seconds)
    {
        var bounds = BoundsArray;
        for (var i = 0; i < bounds.Length; i++)
        {
            if (seconds <= bounds[i])
            {
                return i;
            }
        }

        return bounds.Length;
    }
}

/// <summary>Route durations of one writer, by route and bucket. <see cref="Add"/> from that writer only; any thread may read.</summary>
public sealed class RouteTimingRecorder
{
    /// <summary>Distinct route names kept; more are counted under <see cref="Other"/> (a label set must stay bounded).</summary>
    public const int MaxRoutes = 256;

    public const string Other = "(other)";

    private volatile RouteTimingCell[] _cells = [];

    /// <summary>The routes seen so far; a reader may find a cell before its first count.</summary>
    public IReadOnlyList<RouteTimingCell> Cells => _cells;

    public void Add(string route, double seconds)
    {
        var cell = Find(route);
        var bucket = RouteTimings.BucketOf(seconds);

        // The sum first, then the count published after it: a reader that sees a count sees its sum
        // (it may see the sums of later observations too, which RouteTimingCell.Read bounds).
        cell.Sums[bucket] += seconds;
        Volatile.Write(ref cell.Counts[bucket], cell.Counts[bucket] + 1);
    }

    private RouteTimingCell Find(string route)
    {
        var cells = _cells;
        foreach (var cell in cells)
        {
            if (ReferenceEquals(cell.Route, route))
            {
                return cell; // route names are strings the route set or a literal owns: found by reference
            }
        }

        foreach (var cell in cells)
        {
            if (string.Equals(cell.Route, route, StringComparison.Ordinal))
            {
                return cell;
            }
        }

        var name = cells.Length < MaxRoutes - 1 ? route : Other;
        foreach (var cell in cells)
        {
            if (string.Equals(cell.Route, name, StringComparison.Ordinal))
            {
                return cell;
            }
        }

        var added = new RouteTimingCell(name);
        _cells = [.. cells, added]; // one writer: copy on write, readers see the old or the new array
        return added;
    }
}

/// <summary>One route's counts and sums by bucket (index <see cref="RouteTimings.Bounds"/>.Count: +Inf).</summary>
public sealed class RouteTimingCell(string route)
{
    public string Route { get; } = route;

    internal long[] Counts { get; } = new long[RouteTimings.Bounds.Count + 1];

    internal double[] Sums { get; } = new double[RouteTimings.Bounds.Count + 1];

    /// <summary>Observations in <paramref name="bucket"/> so far and their sum (read by any thread).</summary>
    public (long Count, double Sum) Read(int bucket)
    {
        var count = Volatile.Read(ref Counts[bucket]);
        return (count, Sums[bucket]);
    }
}
