using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Prometheus;
using ScriptedSip.Core.Stats;

namespace ScriptedSip.Host.Management;

/// <summary>
/// The <c>ScriptedSip</c> meter of one server in Prometheus form, through prometheus-net's registry
/// and text writer, plus the process and .NET runtime metrics (<see cref="ProcessStats"/>).
/// <para>
/// Why not prometheus-net's own meter adapter: it publishes every .NET counter as a Prometheus
/// gauge (no <c>_total</c>, no counter type), and it listens to meters by name, so two servers in
/// one process (as the tests run them) would mix. Here a <see cref="MeterListener"/> takes exactly
/// this server's meter instance; observable counters become Prometheus counters
/// (<c>scriptedsip_core_rcv_requests_total</c>), gauges gauges, histograms histograms with a unit
/// suffix (<c>scriptedsip_route_duration_seconds</c>).
/// </para>
/// <para>
/// Cost on the SIP path: none for counters and gauges (read at scrape time), nor for route
/// durations (the workers' own tables, <see cref="RouteDurationExport"/>). A histogram
/// measurement finds its series in the state the listener hands back with it, its child by the
/// reference of its one tag value (a string the route set or the method table already owns), and
/// ends in prometheus-net's lock-free observe: nothing allocated after the first measurement of a route.
/// </para>
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    private const string Prefix = "scriptedsip_";
    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly MetricFactory _factory;
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, Series> _series = new();
    private readonly Func<Instrument, string?, Series> _create;

    /// <param name="routeTimings">The workers' route durations, exported as the route-duration histogram at each scrape (the meter's instrument of that name is then left to other listeners).</param>
    public PrometheusExporter(Meter meter, RouteTimings? routeTimings = null)
    {
        ArgumentNullException.ThrowIfNull(meter);
        _factory = Metrics.WithCustomRegistry(_registry);

        // No exemplars: the text format (0.0.4) served here has no place for them, yet by default
        // every histogram observation asks the trace context for one (a route turn's, on the SIP path).
        _factory.ExemplarBehavior = new ExemplarBehavior { DefaultExemplarProvider = static (_, _) => Exemplar.None };
        _create = Create; // one delegate, not one per measurement
        _ = new ProcessStats(_registry, _factory);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter) && !(routeTimings is not null && instrument.Name == SipInstruments.RouteDuration))
            {
                // The slot travels with every measurement: no lookup by instrument on the SIP path.
                listener.EnableMeasurementEvents(instrument, new SeriesSlot());
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, slot) => Record(instrument, value, tags, slot));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, slot) => Record(instrument, value, tags, slot));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, slot) => Record(instrument, value, tags, slot));
        _listener.Start();

        // Observable instruments are read at scrape time, on the scraping request's thread.
        _registry.AddBeforeCollectCallback(_listener.RecordObservableInstruments);
        if (routeTimings is not null)
        {
            var routeSeconds = _factory.CreateHistogram(
                Prefix + SipInstruments.RouteDuration.Replace('.', '_') + "_seconds",
                SipInstruments.RouteDurationDescription,
                ["route"],
                new HistogramConfiguration { Buckets = [.. RouteTimings.Bounds] });
            _registry.AddBeforeCollectCallback(new RouteDurationExport(routeTimings, routeSeconds).Collect);
        }
    }

    /// <summary>A gauge of the host (not of the meter), read at each scrape.</summary>
    public void AddGauge(string name, string help, Func<double> read)
    {
        var gauge = _factory.CreateGauge(Prefix + name, help);
        _registry.AddBeforeCollectCallback(() => gauge.Set(read()));
    }

    /// <summary>A counter of the host (not of the meter), read at each scrape; <paramref name="name"/> ends in <c>_total</c>.</summary>
    public void AddCounter(string name, string help, Func<double> read)
    {
        var counter = _factory.CreateCounter(Prefix + name, help);
        _registry.AddBeforeCollectCallback(() => counter.IncTo(read()));
    }

    /// <summary>Writes every metric in the Prometheus text format (0.0.4).</summary>
    public Task WriteAsync(Stream output, CancellationToken cancellationToken) =>
        _registry.CollectAndExportAsTextAsync(output, cancellationToken);

    /// <summary>The Prometheus name of an instrument of the meter: <c>core.rcv_requests</c> (counter) is <c>scriptedsip_core_rcv_requests_total</c>; <c>tm.total</c> gets no second suffix.</summary>
    public static string NameOf(Instrument instrument)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        var name = Prefix + instrument.Name.Replace('.', '_');
        return instrument switch
        {
            ObservableCounter<long> or Counter<long> => name.EndsWith("_total", StringComparison.Ordinal) ? name : name + "_total",
            Histogram<double> when instrument.Unit == "s" => name + "_seconds",
            _ => name,
        };
    }

    public void Dispose()
    {
        _listener.Dispose();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        // The series is made at the first measurement, which names the label; the slot then keeps it.
        var slot = state as SeriesSlot;
        var series = slot?.Series ?? _series.GetOrAdd(instrument, _create, tags.Length == 0 ? null : tags[0].Key);
        if (slot is not null)
        {
            slot.Series = series;
        }

        var labelValue = tags.Length == 0 ? string.Empty : tags[0].Value as string ?? tags[0].Value?.ToString() ?? string.Empty;
        series.Record(labelValue, value);
    }

    private Series Create(Instrument instrument, string? label)
    {
        var name = NameOf(instrument);
        var help = string.IsNullOrEmpty(instrument.Description) ? instrument.Name : instrument.Description;
        string[] labels = label is null ? [] : [label];
        return instrument switch
        {
            ObservableCounter<long> or Counter<long> => new CounterSeries(_factory.CreateCounter(name, help, labels)),
            Histogram<double> => new HistogramSeries(_factory.CreateHistogram(name, help, labels, new HistogramConfiguration { Buckets = BucketsOf(instrument) })),
            _ => new GaugeSeries(_factory.CreateGauge(name, help, labels)),
        };
    }

    /// <summary>Route turns: 10 us .. 10 s (× 4 per bucket, <see cref="RouteTimings.Bounds"/>); request to final reply: 1 ms .. 60 s (× 2.5).</summary>
    private static double[] BucketsOf(Instrument instrument) => instrument.Name == SipInstruments.RouteDuration
        ? [.. RouteTimings.Bounds]
        : Histogram.ExponentialBuckets(0.001, 2.5, 13);

    /// <summary>An instrument's series, handed to the listener as the instrument's state.</summary>
    private sealed class SeriesSlot
    {
        public volatile Series? Series;
    }

    private abstract class Series
    {
        public abstract void Record(string labelValue, double value);
    }

    /// <summary>Children by label value, so recording does not build the params array prometheus-net's WithLabels takes.</summary>
    private abstract class Series<TChild> : Series
        where TChild : class
    {
        private readonly ConcurrentDictionary<string, TChild> _children = new(StringComparer.Ordinal);

        // The label values are strings the route set or the method table owns, the same instance at
        // every measurement: found by reference first, without hashing the text.
        private volatile KeyValuePair<string, TChild>[] _byReference = [];

        protected TChild Child(string labelValue)
        {
            foreach (var (key, known) in _byReference)
            {
                if (ReferenceEquals(key, labelValue))
                {
                    return known;
                }
            }

            var child = _children.TryGetValue(labelValue, out var found) ? found : _children.GetOrAdd(labelValue, Make);
            var current = _byReference;
            if (current.Length < 32)
            {
                _byReference = [.. current, new(labelValue, child)]; // a lost race only drops one cache entry
            }

            return child;
        }

        protected abstract TChild Make(string labelValue);
    }

    private sealed class CounterSeries(Counter counter) : Series<ICounter>
    {
        public override void Record(string labelValue, double value) => Child(labelValue).IncTo(value);

        protected override ICounter Make(string labelValue) => labelValue.Length == 0 && counter.LabelNames.Length == 0 ? counter : counter.WithLabels(labelValue);
    }

    private sealed class GaugeSeries(Gauge gauge) : Series<IGauge>
    {
        public override void Record(string labelValue, double value) => Child(labelValue).Set(value);

        protected override IGauge Make(string labelValue) => labelValue.Length == 0 && gauge.LabelNames.Length == 0 ? gauge : gauge.WithLabels(labelValue);
    }

    private sealed class HistogramSeries(Histogram histogram) : Series<IHistogram>
    {
        public override void Record(string labelValue, double value) => Child(labelValue).Observe(value);

        protected override IHistogram Make(string labelValue) => labelValue.Length == 0 && histogram.LabelNames.Length == 0 ? histogram : histogram.WithLabels(labelValue);
    }
}
