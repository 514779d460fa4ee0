using System.Diagnostics.Metrics;
using ScriptedSip.Core.Parsing;

namespace ScriptedSip.Core.Stats;

/// <summary>
/// Process-wide counters, incremented lock-free from every worker. This is the only cost on the
/// message path: <see cref="SipMetrics"/> reads the values when a metrics listener asks for them.
/// </summary>
public sealed class SipCounters
{
    private static readonly string[] MethodNames = [.. Enum.GetValues<SipMethod>().Select(m => m.ToString().ToUpperInvariant())];

    private readonly long[] _values = new long[Enum.GetValues<SipCounter>().Length];
    private readonly long[] _requestsByMethod = new long[MethodNames.Length];
    private Histogram<double>? _routeSeconds;
    private Histogram<double>? _finalReplySeconds;

    public long this[SipCounter counter] => Interlocked.Read(ref _values[(int)counter]);

    /// <summary>The methods <see cref="RequestsOf"/> counts, in upper case (<c>UNKNOWN</c>: any other method).</summary>
    public static IReadOnlyList<string> Methods => MethodNames;

    public void Increment(SipCounter counter) => Interlocked.Increment(ref _values[(int)counter]);

    public void Add(SipCounter counter, long amount) => Interlocked.Add(ref _values[(int)counter], amount);

    /// <summary>A parsed request: counted in <see cref="SipCounter.Requests"/> and under its method (two interlocked adds, nothing allocated).</summary>
    public void RequestReceived(SipMethod method)
    {
        Interlocked.Increment(ref _values[(int)SipCounter.Requests]);
        Interlocked.Increment(ref _requestsByMethod[(int)method]);
    }

    /// <summary>Requests received with the method at <paramref name="methodIndex"/> of <see cref="Methods"/>.</summary>
    public long RequestsOf(int methodIndex) => Interlocked.Read(ref _requestsByMethod[methodIndex]);

    /// <summary>
    /// Counts a reply sent upstream in the counter of its status class (1xx-6xx) when the transport
    /// took it (<paramref name="sent"/>, the send's result, so each call site stays one line).
    /// </summary>
    public void ReplySent(int status, bool sent)
    {
        if (sent && status is >= 100 and <= 699)
        {
            Increment(SipCounter.SentReplies1xx + (status / 100 - 1));
        }
    }

    /// <summary>
    /// The two histograms of <see cref="SipMetrics"/>; attached when the meter is made. Until then
    /// (and in benchmarks without a meter) recording is a null check.
    /// </summary>
    internal void AttachHistograms(Histogram<double> routeSeconds, Histogram<double> finalReplySeconds)
    {
        Volatile.Write(ref _routeSeconds, routeSeconds);
        Volatile.Write(ref _finalReplySeconds, finalReplySeconds);
    }

    /// <summary>
    /// One turn of a route on a worker took <paramref name="seconds"/>. The tag is a struct holding a
    /// string the route set already owns: nothing is allocated, and an instrument nobody listens to
    /// returns at once.
    /// </summary>
    public void RouteRan(string route, double seconds)
    {
        if (_routeSeconds is { Enabled: true } histogram)
        {
            histogram.Record(seconds, new KeyValuePair<string, object?>("route", route));
        }
    }

    /// <summary>
    /// The route-duration histogram as the workers record it (<see cref="Stats.RouteTimings"/>): the
    /// server's own exporter reads it at scrape time; the meter's instrument of the same name still
    /// gets every turn when another listener (an OpenTelemetry SDK) enables it.
    /// </summary>
    public RouteTimings RouteTimings { get; } = new();

    /// <summary>A transaction sent its first final reply <paramref name="seconds"/> after its request arrived.</summary>
    public void FinalReplySent(SipMethod method, double seconds) =>
        _finalReplySeconds?.Record(seconds, new KeyValuePair<string, object?>("method", MethodNames[(int)method]));

    /// <summary>All counters as name=value pairs, for the stats log line.</summary>
    public IReadOnlyDictionary<string, long> Snapshot() =>
        Enum.GetValues<SipCounter>().ToDictionary(c => c.ToString(), c => this[c]);
}
