using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ScriptedSip.Core.Processing;
using ScriptedSip.Core.Stats;
using ScriptedSip.Core.Transactions;
using ScriptedSip.Core.Transport;
using ScriptedSip.Host;
using ScriptedSip.Host.Configuration;
using ScriptedSip.Host.Plugins;
using ScriptedSip.Scripting;

namespace ScriptedSip.Testing;

/// <summary>
/// The server, in-process, for unit tests of route scripts: built by the server's own start-up
/// (configuration checks, script compiler, plugin loader, transaction layer, route runner), with
/// an in-memory transport instead of sockets, a <see cref="FakeTimeProvider"/> as its only clock
/// and its workers run inline. Every step (<see cref="Send(SipRequest, string?, string)"/>,
/// <see cref="RelayedRequest.Respond"/>, <see cref="Advance"/>, <see cref="Reload"/>) returns only
/// once everything it caused has run — the routes, the work they posted to other calls, timers due
/// by then, await continuations ready by then — and reports it as a <see cref="RouteOutcome"/>.
/// Not thread-safe: one test drives one host.
/// </summary>
public sealed class RouteTestHost : IDisposable
{
    // The framework references scripts compile against: immutable, and reading ~170 assemblies'
    // metadata is most of a host's start, so every host of the test run shares one set, and keeps
    // its metadata read for the test run (a lease never ended) instead of once per compile.
    private static readonly Lazy<ScriptReferenceSet> SharedReferences = new(() =>
    {
        var references = ScriptReferenceSet.CreateDefault();
        _ = references.Acquire();
        return references;
    });

    private readonly IHost _host;
    private readonly ProcessingServices _services;
    private readonly PluginCatalog _plugins;
    private readonly ScriptRuntime _scripts;
    private readonly List<InMemoryTransport> _transports = [];
    private readonly Lock _gate = new();
    private readonly List<SentMessage> _sent = [];
    private readonly List<LogLine> _log = [];
    private readonly string _contentRoot;
    private readonly IPEndPoint _defaultSource;
    private readonly TimeSpan _tick;
    private readonly Action<string>? _logOutput;
    private bool _disposed;

    private RouteTestHost(RouteTestOptions options, string contentRoot, FakeTimeProvider time, Func<CapturingLoggerProvider, IHost> build)
    {
        _contentRoot = contentRoot;
        _logOutput = options.LogOutput;
        _defaultSource = ParseAddress(options.DefaultSource);
        Time = time;
        _host = build(new CapturingLoggerProvider(Record));
        _services = _host.Services.GetRequiredService<ProcessingServices>();
        _plugins = _host.Services.GetRequiredService<PluginCatalog>();
        _scripts = _host.Services.GetRequiredService<ScriptRuntime>();
        var settings = _host.Services.GetRequiredService<HostSettings>();
        _tick = TimeSpan.FromMilliseconds(settings.Transactions.TimerTickMs);
        var overloadLogger = _host.Services.GetRequiredService<ILoggerFactory>().CreateLogger<OverloadResponder>();
        var intakeLogger = _host.Services.GetRequiredService<ILoggerFactory>().CreateLogger<DatagramIntake>();
        foreach (var endpoint in settings.Listen)
        {
            var transport = new InMemoryTransport(endpoint, OnSent);
            transport.Intake = new DatagramIntake(
                settings.Sip,
                settings.NoSip.MinPacketSize,
                _services.Scheduler,
                new OverloadResponder(_services.Messages.Replier, _services.Counters, time, overloadLogger),
                _services.Counters,
                intakeLogger);
            _transports.Add(transport);
            _services.Transports.Add(transport);
        }
    }

    /// <summary>The server's only clock: timers (fr timers, <c>AsyncRoute</c>, plugin timers) fire when <see cref="Advance"/> moves it.</summary>
    public FakeTimeProvider Time { get; }

    /// <summary>The server's counters (the ones its metrics publish).</summary>
    public SipCounters Counters => _services.Counters;

    /// <summary>Everything the server sent since the start, in order.</summary>
    public IReadOnlyList<SentMessage> Sent
    {
        get
        {
            lock (_gate)
            {
                return [.. _sent];
            }
        }
    }

    /// <summary>Every log line of the server since the start (configuration, plugin and compile lines included).</summary>
    public IReadOnlyList<LogLine> Log
    {
        get
        {
            lock (_gate)
            {
                return [.. _log];
            }
        }
    }

    /// <summary>Transactions suspended or awaiting now.</summary>
    public IReadOnlyList<SuspendedTransaction> Suspended => _services.Transactions.SuspendedNow == 0 ? [] : Waiting();

    /// <summary>Transactions in the server's table now (finished ones lingering for <c>Transactions:WaitMs</c> included).</summary>
    public int Transactions => _services.Transactions.Table.Count;

    /// <summary>Names of the routes loaded now.</summary>
    public IReadOnlyList<string> Routes => _scripts.RouteNames;

    /// <summary>The version of the scripts loaded now (1 after the start, +1 per successful reload).</summary>
    public int ScriptsVersion => _scripts.Current.Version;

    /// <summary>Names of the plugins loaded.</summary>
    public IReadOnlyList<string> Plugins => _plugins.Names;

    /// <summary>Plugins that failed to load, one line each as the server logs them (the server goes on without them).</summary>
    public IReadOnlyList<string> PluginErrors => _plugins.Errors;

    /// <summary>Starts a host on a scripts folder with the default settings and no plugins.</summary>
    public static RouteTestHost Start(string scriptsPath) => Start(new RouteTestOptions(scriptsPath));

    /// <summary>
    /// Compiles the scripts and loads the plugins as the server does at start.
    /// </summary>
    /// <exception cref="RouteTestStartException">A setting is wrong or a script does not compile: the server's lines.</exception>
    public static RouteTestHost Start(RouteTestOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Directory.Exists(options.ScriptsPath))
        {
            throw new RouteTestStartException([$"error: Scripts:Path: the folder {options.ScriptsPath} does not exist"]);
        }

        var contentRoot = Path.Combine(Path.GetTempPath(), "scriptedsip-testing", "hosts", Guid.NewGuid().ToString("N"));
        var pluginsPath = Path.Combine(contentRoot, "plugins");
        Directory.CreateDirectory(pluginsPath);
        RouteTestHost? host = null;
        try
        {
            foreach (var (folder, name) in options.PluginFolders)
            {
                KitFolders.AddPlugin(folder, name, pluginsPath);
            }

            string[] args =
            [
                "--contentRoot", contentRoot,

                // No file watcher per host (the generic host watches appsettings.json by default):
                // a test run starts hundreds of hosts, and inotify instances are a per-user limit.
                "--hostBuilder:reloadConfigOnChange=false",
                "--Scripts:Path=" + options.ScriptsPath,
                "--Scripts:HotReload=false",
                "--Scripts:CachePath=" + (options.CachePath ?? string.Empty),
                "--Plugins:Path=" + pluginsPath,
                "--Plugins:HotReload=false",
                .. options.Settings.Select(s => $"--{s.Key}={s.Value}"),
            ];
            var time = new FakeTimeProvider();
            var lookup = new TableHostNameLookup(options.HostNames);
            host = new RouteTestHost(options, contentRoot, time, logs =>
            {
                var errors = new StringWriter();
                var (built, _) = ScriptedSipApplication.Build(args, errors, services =>
                {
                    services.RemoveAll<ILoggerProvider>(); // the kit keeps the lines instead of NLog
                    services.AddSingleton<ILoggerProvider>(logs);
                    services.AddSingleton<TimeProvider>(time);
                    services.AddSingleton<IHostNameLookup>(lookup);
                    services.AddSingleton(_ => SharedReferences.Value);
                });
                return built ?? throw new RouteTestStartException([.. errors.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries)]);
            });
            var load = host._plugins.Apply();
            if (!load.Success)
            {
                throw new RouteTestStartException(load.Errors);
            }

            host._services.StartInline();
            return host;
        }
        catch
        {
            if (host is not null)
            {
                host.Dispose();
            }
            else
            {
                KitFolders.DeleteQuietly(contentRoot);
            }

            throw;
        }
    }

    /// <summary>Sends a request built with <see cref="SipRequest"/> from <paramref name="from"/> (default: the request's own source, else <see cref="RouteTestOptions.DefaultSource"/>).</summary>
    /// <param name="request">The request.</param>
    /// <param name="from">The sender's address, <c>"192.0.2.10:5060"</c>.</param>
    /// <param name="transport">The transport it arrives on; the server listens on UDP only so far.</param>
    public RouteOutcome Send(SipRequest request, string? from = null, string transport = "udp")
    {
        ArgumentNullException.ThrowIfNull(request);
        var source = from is null ? request.Source ?? _defaultSource : ParseAddress(from);
        return SendRaw(request.ToText(source), source, transport);
    }

    /// <summary>Sends a message written out in full (CRLF line ends), exactly as given.</summary>
    public RouteOutcome Send(string rawText, string? from = null, string transport = "udp")
    {
        ArgumentNullException.ThrowIfNull(rawText);
        return SendRaw(rawText, from is null ? _defaultSource : ParseAddress(from), transport);
    }

    /// <summary>Sends any datagram (a non-SIP packet for the nosip route, a keep-alive …).</summary>
    public RouteOutcome SendDatagram(string text, string from = "127.0.0.1:9") => SendDatagram(Encoding.UTF8.GetBytes(text), from);

    /// <summary>Sends any datagram, as bytes.</summary>
    public RouteOutcome SendDatagram(byte[] data, string from = "127.0.0.1:9")
    {
        ArgumentNullException.ThrowIfNull(data);
        return Deliver(data, ParseAddress(from), "udp");
    }

    /// <summary>
    /// Moves the clock forward one timer tick (<c>Transactions:TimerTickMs</c>) at a time, running
    /// whatever each tick makes due (fr timeouts → 408 or failure routes, <c>AsyncRoute</c>,
    /// retransmissions, plugin timers) before the next: a timer due at +N s runs at +N s, not before.
    /// </summary>
    public RouteOutcome Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        return Step(() =>
        {
            var left = by;
            while (left > TimeSpan.Zero)
            {
                var step = left < _tick ? left : _tick;
                Time.Advance(step);
                _services.Scheduler.RunUntilIdle();
                left -= step;
            }
        });
    }

    /// <summary>
    /// Forgets what <see cref="Sent"/> and <see cref="Log"/> hold so far (outcomes already returned
    /// keep theirs): for long loops of scenarios on one host, which would otherwise keep every message.
    /// </summary>
    public void ForgetHistory()
    {
        lock (_gate)
        {
            _sent.Clear();
            _log.Clear();
        }
    }

    /// <summary>Runs what was posted to the workers from outside a step (a plugin's own thread, a task that completed elsewhere).</summary>
    public RouteOutcome RunPending() => Step(static () => { });

    /// <summary>
    /// Recompiles the scripts folder as the server does when a file changes: on success the next
    /// message runs the new version; on failure the errors are returned (and logged) and the old version goes on.
    /// </summary>
    public RouteReload Reload()
    {
        var result = _plugins.Apply(pluginsChanged: false);
        return new RouteReload(result.Success, result.Errors, _scripts.Current.Version);
    }

    /// <summary>
    /// The object a loaded plugin exported to scripts, by its type's full name: <c>dynamic ht =
    /// host.Plugin("ScriptedSip.Plugins.Htable.Htable")</c> to seed or inspect its state. (The plugin's
    /// types live in its own load context, so a test names them instead of casting.)
    /// </summary>
    public object Plugin(string typeFullName) =>
        _scripts.Current.Exports.Current.FirstOrDefault(e => e.Key.FullName == typeFullName).Value
        ?? throw new RouteTestException($"no loaded plugin exports {typeFullName}; loaded: {string.Join(", ", Plugins)}");

    /// <summary>Stops the workers, unloads scripts and plugins, removes the host's temporary folder.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _services.Stop(TimeSpan.FromSeconds(1));
        _host.Dispose();
        KitFolders.DeleteQuietly(_contentRoot);
    }

    internal RouteOutcome SendRaw(string text, IPEndPoint source, string transport = "udp") => Deliver(Encoding.UTF8.GetBytes(text), source, transport);

    /// <summary><c>"127.0.0.1:9"</c>, <c>"[::1]:5060"</c> → an endpoint; the port is required.</summary>
    internal static IPEndPoint ParseAddress(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return IPEndPoint.TryParse(address, out var endpoint) && (address.Contains("]:", StringComparison.Ordinal) || address.Count(c => c == ':') == 1)
            ? endpoint
            : throw new ArgumentException($"'{address}' is not an address with a port (\"192.0.2.10:5060\", \"[2001:db8::1]:5060\")", nameof(address));
    }

    private RouteOutcome Deliver(byte[] data, IPEndPoint source, string transport)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!string.Equals(transport, "udp", StringComparison.OrdinalIgnoreCase))
        {
            throw new NotSupportedException($"transport '{transport}': the server listens on UDP only so far");
        }

        var listener = _transports.FirstOrDefault(t => t.Local.Family == source.AddressFamily)
            ?? throw new RouteTestException($"no listen address of the family of {source} (Sip:Listen: {string.Join(", ", _transports.Select(t => t.Local))})");
        return Step(() =>
        {
            listener.Intake!.Deliver(listener, data, source.Serialize(), guard: null);
        });
    }

    private RouteOutcome Step(Action action)
    {
        int sentBefore, logBefore;
        lock (_gate)
        {
            sentBefore = _sent.Count;
            logBefore = _log.Count;
        }

        var waitingBefore = _services.Transactions.SuspendedNow == 0 ? [] : Waiting().ToHashSet();
        action();
        _services.Scheduler.RunUntilIdle();
        var suspended = _services.Transactions.SuspendedNow == 0 ? [] : Waiting().Where(w => !waitingBefore.Contains(w)).ToList();
        lock (_gate)
        {
            return new RouteOutcome(_sent[sentBefore..], suspended, _log[logBefore..]);
        }
    }

    private List<SuspendedTransaction> Waiting() =>
        [.. _services.Transactions.Table.Snapshot()
            .Where(t => t.Suspension != SuspendState.None)
            .Select(t =>
            {
                var request = new SipText(Encoding.UTF8.GetString(t.Request));
                return new SuspendedTransaction(t.Index, t.Label, request.StartLine.Split(' ')[0], request.CallId, t.Suspension == SuspendState.Awaiting);
            })];

    private void OnSent(InMemoryTransport transport, byte[] bytes, IPEndPoint destination)
    {
        var local = transport.Local.ToString();
        SentMessage message = bytes.AsSpan().StartsWith("SIP/"u8)
            ? new SentReply(this, bytes, destination, local)
            : new RelayedRequest(this, bytes, destination, local);
        lock (_gate)
        {
            _sent.Add(message);
        }
    }

    private void Record(LogLine line)
    {
        lock (_gate)
        {
            _log.Add(line);
        }

        _logOutput?.Invoke(line.ToString());
    }
}

/// <summary>The result of <see cref="RouteTestHost.Reload"/>.</summary>
/// <param name="Success">True when the new version serves from now on.</param>
/// <param name="Errors">The compile errors, as the server logs them (the old version keeps serving).</param>
/// <param name="Version">The version serving now.</param>
public sealed record RouteReload(bool Success, IReadOnlyList<string> Errors, int Version);
