using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScriptedSip.Core.Processing;
using ScriptedSip.Core.Processing.Overload;
using ScriptedSip.Core.Routing;
using ScriptedSip.Core.Stats;
using ScriptedSip.Core.Transport;
using ScriptedSip.Host.Configuration;

namespace ScriptedSip.Host;

/// <summary>Opens every listen address when the host starts and closes them on stop.</summary>
public sealed partial class SipServer : IHostedService, IDisposable
{
    private readonly HostSettings _settings;
    private readonly ProcessingServices _services;
    private readonly SipCounters _counters;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly List<UdpListener> _listeners = [];
    private readonly List<Core.Transport.Streams.StreamListener> _streamListeners = [];
    private bool _opened;

    public SipServer(HostSettings settings, ProcessingServices services, SipCounters counters, SipMetrics metrics, ILoggerFactory loggerFactory)
    {
        _settings = settings;
        _services = services;
        _counters = counters;
        Metrics = metrics;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<SipServer>();
    }

    /// <summary>The bound listeners (with the kernel's port when the configuration said port 0).</summary>
    public IReadOnlyList<UdpListener> Listeners => _listeners;

    /// <summary>The bound tcp: and tls: listeners, in configuration order.</summary>
    public IReadOnlyList<Core.Transport.Streams.StreamListener> StreamListeners => _streamListeners;

    public SipCounters Counters => _counters;

    /// <summary>Every listener is receiving (set at the end of <see cref="StartAsync"/>); what /health/ready asks.</summary>
    public bool Started { get; private set; }

    /// <summary>The counters and transaction gauges as instruments of the <c>ScriptedSip</c> meter.</summary>
    public SipMetrics Metrics { get; }

    /// <summary>Reads the load signals and switches the refusing of new INVITEs (null before start).</summary>
    public OverloadMonitor? Overload { get; private set; }

    /// <summary>The transaction layer (live and suspended counts, for stats and tests).</summary>
    public Core.Transactions.TransactionLayer Transactions => _services.Transactions;

    /// <summary>
    /// Binds every listen address (once). The application calls it before the host starts so that a
    /// port in use is reported as one line, not as a start-up failure of the generic host (which logs
    /// it with a stack trace). Datagrams arriving before <see cref="StartAsync"/> wait in the socket buffer.
    /// </summary>
    /// <exception cref="ListenFailedException">An address cannot be bound; the message names it.</exception>
    public void Open()
    {
        if (_opened)
        {
            return;
        }

        _opened = true;
        var listenerLogger = _loggerFactory.CreateLogger<UdpListener>();
        var overloadLogger = _loggerFactory.CreateLogger<OverloadResponder>();
        var streamLogger = _loggerFactory.CreateLogger<Core.Transport.Streams.StreamListener>();
        foreach (var endpoint in _settings.Listen)
        {
            if (endpoint.Protocol != SipProtocol.Udp)
            {
                OpenStream(endpoint, streamLogger, overloadLogger);
                continue;
            }

            UdpListener listener;
            try
            {
                listener = new UdpListener(
                    endpoint,
                    _settings.Sip,
                    _settings.NoSip.MinPacketSize,
                    _services.Scheduler,
                    new OverloadResponder(_services.Messages.Replier, _counters, _services.Time, overloadLogger),
                    _counters,
                    listenerLogger);
            }
            catch (System.Net.Sockets.SocketException ex)
            {
                throw new ListenFailedException($"Sip:Listen: cannot listen on {endpoint}: {ex.Message}", ex);
            }

            listener.Unreachable = _services.Transactions; // ICMP unreachable ends the branch at once (Linux)
            _listeners.Add(listener);
            _services.Transports.Add(listener);
        }
    }

    private void OpenStream(ListenEndpoint endpoint, ILogger streamLogger, ILogger overloadLogger)
    {
        Core.Transport.Streams.StreamListener listener;
        try
        {
            listener = new Core.Transport.Streams.StreamListener(
                endpoint,
                _settings.Sip,
                _settings.Tcp,
                _settings.TlsContext,
                _services.Scheduler,
                new OverloadResponder(_services.Messages.Replier, _counters, _services.Time, overloadLogger),
                _services.Messages.Replier,
                _counters,
                _services.Time,
                streamLogger);
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            throw new ListenFailedException($"Sip:Listen: cannot listen on {endpoint}: {ex.Message}", ex);
        }

        _streamListeners.Add(listener);
        _services.Transports.Add(listener);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Open();
        if (_services.Routes.Current.Find(_settings.NoSip.EventRoute) is null)
        {
            LogNoSipRouteMissing(_logger, _settings.NoSip.EventRoute);
        }

        _services.Start();
        foreach (var listener in _listeners)
        {
            listener.Start();
        }

        foreach (var listener in _streamListeners)
        {
            listener.Start();
        }

        Overload = new OverloadMonitor(
            _settings.Overload,
            _services.Overload,
            () => _services.Transactions.Table.Count,
            _services.Scheduler.DeepestReceivedQueue,
            _settings.Sip.QueueLimit,
            new KernelUdpQueues([.. _listeners.Select(l => l.Socket)]),
            _counters,
            _services.Time,
            _loggerFactory.CreateLogger<OverloadMonitor>());
        Overload.Start();
        _services.Watchdog.Follow(Overload);
        Started = true;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Started = false;
        if (Overload is not null)
        {
            _services.Watchdog.Unfollow(Overload);
            Overload.Dispose();
        }

        // Graceful stop: nothing suspended or pending is dropped silently — each gets 503 first.
        _services.Transactions.Shutdown();
        foreach (var listener in _listeners)
        {
            listener.Stop(TimeSpan.FromSeconds(2));
        }

        foreach (var listener in _streamListeners)
        {
            listener.Stop();
        }

        _services.Stop(TimeSpan.FromSeconds(2));
        var snapshot = string.Join(' ', _counters.Snapshot().Where(kv => kv.Value != 0).Select(kv => $"{kv.Key}={kv.Value}"));
        LogStopped(_logger, snapshot);
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        foreach (var listener in _listeners)
        {
            listener.Dispose();
        }

        foreach (var listener in _streamListeners)
        {
            listener.Dispose();
        }

        _services.Dispose();
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "non-SIP packets will be dropped: no route {Route}")]
    private static partial void LogNoSipRouteMissing(ILogger logger, string route);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "Stopped. Counters: {Counters}")]
    private static partial void LogStopped(ILogger logger, string counters);
}
