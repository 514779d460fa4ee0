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
    private readonly List<ITimer> _timers = [];

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
        Every(TimeSpan.FromMilliseconds(_options.SweepIntervalMs), () =>
        {
            _location.SweepExpired();
            _serial.Sweep();
        });
        Every(TimeSpan.FromSeconds(_options.SnapshotIntervalSeconds), _location.Snapshot);
        if (_options.Fsync == FsyncPolicy.Interval)
        {
            Every(TimeSpan.FromMilliseconds(_options.FsyncIntervalMs), _location.Flush);
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

    private void Every(TimeSpan period, Action action) => _timers.Add(_time.CreateTimer(_ => action(), null, period, period));
}
