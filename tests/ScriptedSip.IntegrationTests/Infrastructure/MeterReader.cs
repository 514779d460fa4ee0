using System.Diagnostics.Metrics;

namespace ScriptedSip.IntegrationTests.Infrastructure;

/// <summary>
/// Reads the instruments of one meter the way an exporter does: a <see cref="MeterListener"/> that
/// collects the observable instruments on demand. Only the given meter is read, so other servers
/// living in the same test process do not interfere.
/// </summary>
public sealed class MeterReader : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _published = new(StringComparer.Ordinal);
    private readonly HashSet<string> _completed = new(StringComparer.Ordinal);

    public MeterReader(Meter meter)
        : this(instrument => ReferenceEquals(instrument.Meter, meter))
    {
    }

    private MeterReader(Func<Instrument, bool> selects)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (selects(instrument))
            {
                lock (_gate)
                {
                    _published.Add(instrument.Name);
                }

                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.MeasurementsCompleted = (instrument, _) =>
        {
            lock (_gate)
            {
                _completed.Add(instrument.Name);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => Record(instrument.Name, value));
        _listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => Record(instrument.Name, value));
        _listener.Start();
    }

    /// <summary>
    /// Reads the instruments a plugin publishes in its own meter of the server's name
    /// (<c>ScriptedSip</c>) whose names start with <paramref name="prefix"/> — the plugin's meter is
    /// created inside it, so the test has no reference to it.
    /// </summary>
    public static MeterReader ForPlugin(string prefix) =>
        new(instrument => instrument.Meter.Name == "ScriptedSip" && instrument.Name.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>Names of the instruments the meter published.</summary>
    public IReadOnlyCollection<string> Published
    {
        get
        {
            lock (_gate)
            {
                return [.. _published];
            }
        }
    }

    /// <summary>Instruments whose meter went away (disposed) since the reader started.</summary>
    public IReadOnlyCollection<string> Completed
    {
        get
        {
            lock (_gate)
            {
                return [.. _completed];
            }
        }
    }

    /// <summary>Collects every instrument now: name → value.</summary>
    public IReadOnlyDictionary<string, long> Collect()
    {
        lock (_gate)
        {
            _values.Clear();
        }

        _listener.RecordObservableInstruments();
        lock (_gate)
        {
            return new Dictionary<string, long>(_values, StringComparer.Ordinal);
        }
    }

    /// <summary>One instrument's value now.</summary>
    public long Read(string name) => Collect().TryGetValue(name, out var value) ? value : throw new AssertionException($"no instrument {name}");

    public void Dispose() => _listener.Dispose();

    private void Record(string name, long value)
    {
        lock (_gate)
        {
            _values[name] = value;
        }
    }
}
