using Microsoft.Extensions.Logging;
using ScriptedSip.Sdk.Plugins;

namespace ScriptedSip.Plugins.Dispatcher;

/// <summary>
/// Sends an OPTIONS to each destination every <c>ProbeIntervalSeconds</c> (only the inactive ones, or
/// all that are not disabled) through the host's local client transactions, and counts the answers:
/// <c>ProbeThreshold</c> failures in a row turn an active destination inactive, <c>ActiveThreshold</c>
/// successes an inactive one active. A reply code outside <c>AliveCodes</c>, no reply (408) or a
/// destination that cannot be reached (503) is a failure. A destination whose previous probe still
/// waits is not probed again.
/// </summary>
internal sealed partial class HealthProber : IPluginService, IDisposable
{
    private readonly Dispatcher _dispatcher;
    private readonly DispatcherOptions _options;
    private readonly AliveCodeSet _alive;
    private readonly ISipHost _host;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private ITimer? _timer;

    public HealthProber(Dispatcher dispatcher, DispatcherOptions options, ISipHost host, TimeProvider time, ILogger logger)
    {
        _dispatcher = dispatcher;
        _options = options;
        _alive = new AliveCodeSet(options.AliveCodes);
        _host = host;
        _time = time;
        _logger = logger;
    }

    /// <summary>Probes answered alive, and probes failed, since start.</summary>
    public long Alive => Interlocked.Read(ref _aliveCount);

    public long Failed => Interlocked.Read(ref _failedCount);

    private long _aliveCount;
    private long _failedCount;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var interval = TimeSpan.FromSeconds(_options.ProbeIntervalSeconds);
        _timer = _time.CreateTimer(_ => ProbeAll(), null, interval, interval);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        _timer = null;
        await _stop.CancelAsync().ConfigureAwait(false);
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _stop.Dispose();
    }

    /// <summary>One round: a probe for every destination the mode covers.</summary>
    internal void ProbeAll()
    {
        if (!_dispatcher.ProbingEnabled)
        {
            return; // dispatcher.ping_active 0
        }

        foreach (var destination in _dispatcher.All())
        {
            var state = destination.State;
            if (state == DestinationState.Disabled || (state == DestinationState.Active && !_options.ProbeAll))
            {
                continue;
            }

            if (destination.TryBeginProbe())
            {
                _ = ProbeAsync(destination);
            }
        }
    }

    private async Task ProbeAsync(Destination destination)
    {
        var status = 0;
        try
        {
            status = await _host.SendRequestAsync("OPTIONS", destination.Uri, _options.ProbeFrom, null, TimeSpan.FromMilliseconds(_options.ProbeTimeoutMs), _stop.Token).ConfigureAwait(false);
            var alive = _alive.IsAlive(status);
            Interlocked.Increment(ref alive ? ref _aliveCount : ref _failedCount);
            var before = destination.State;
            if (destination.OnProbe(alive, _options.ProbeThreshold, _options.ActiveThreshold) is { } after)
            {
                _dispatcher.Changed(destination, before, after, alive ? $"{_options.ActiveThreshold} probe(s) answered {status}" : $"{_options.ProbeThreshold} probe(s) failed, the last with {status}");
            }
        }
        catch (OperationCanceledException)
        {
            return; // stopping
        }
        catch (InvalidOperationException)
        {
            return; // the server is not listening yet: nothing was probed, nothing counts
        }
#pragma warning disable CA1031 // a probe that fails in an unexpected way must not end the probing of the others
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogProbeError(_logger, destination.Uri, ex);
        }
        finally
        {
            destination.EndProbe();
        }

        // After EndProbe: once this line is written the destination can be probed again.
        LogProbed(_logger, destination.Uri, destination.Set, status);
    }

    [LoggerMessage(EventId = 7211, Level = LogLevel.Debug, Message = "Probe of {Uri} (set {Set}): {Status}")]
    private static partial void LogProbed(ILogger logger, string uri, int set, int status);

    [LoggerMessage(EventId = 7212, Level = LogLevel.Error, Message = "Probe of {Uri} failed unexpectedly")]
    private static partial void LogProbeError(ILogger logger, string uri, Exception exception);
}
