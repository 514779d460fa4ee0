using ScriptedSip.Sdk.Plugins;

namespace ScriptedSip.Plugins.Registrar;

/// <summary>
/// The location table's housekeeping on the host clock: expired bindings removed, the journal
/// fsynced (Interval policy) and compacted into a snapshot; on stop a last snapshot and the store closed.
/// </summary>
internal sealed class LocationMaintenance : IPluginService
{
    private readonly LocationService _location;
    private readonly RegistrarOptions _options;
    private readonly TimeProvider _time;
    private readonly List<IDisposable> _timers = [];

    private readonly SerialForks _serial;

    public LocationMaintenance(LocationService location, SerialForks serial, RegistrarOptions options, TimeProvider time)
    {
        _serial = serial;
        _location = location;
        _options = options;
        _time = time;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // The sweep and the fsync sleep while there is nothing to sweep or flush (an idle server is
        // not woken); a stored binding wakes them.
        var sweep = new IdleTimer(
            _time,
            TimeSpan.FromMilliseconds(_options.SweepIntervalMs),
            () =>
            {
                _location.SweepExpired();
                _serial.Sweep();
            },
            () => _location.AorCount > 0 || _serial.Count > 0);
        _timers.Add(sweep);
        _location.Changed += sweep.Wake;
        _serial.Added += sweep.Wake;
        _timers.Add(_time.CreateTimer(_ => _location.Snapshot(), null, TimeSpan.FromSeconds(_options.SnapshotIntervalSeconds), TimeSpan.FromSeconds(_options.SnapshotIntervalSeconds)));
        if (_options.Fsync == FsyncPolicy.Interval)
        {
            var flush = new IdleTimer(_time, TimeSpan.FromMilliseconds(_options.FsyncIntervalMs), _location.Flush, () => _location.Unflushed);
            _timers.Add(flush);
            _location.Changed += flush.Wake;
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var timer in _timers)
        {
            timer.Dispose();
        }

        _timers.Clear();
        _location.Snapshot();
        _location.Dispose();
        return Task.CompletedTask;
    }
}
