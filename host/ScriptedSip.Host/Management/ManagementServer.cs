using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScriptedSip.Core.Processing;
using ScriptedSip.Host.Configuration;
using ScriptedSip.Host.Management.Rpc;
using ScriptedSip.Host.Plugins;
using ScriptedSip.Scripting;

namespace ScriptedSip.Host.Management;

/// <summary>
/// The management endpoint: Kestrel on <c>Management:Urls</c> serving /metrics, /health/live,
/// /health/ready and /rpc. Kestrel runs its connections on the .NET thread pool; the SIP workers and
/// receive threads are dedicated threads of their own, so a slow scrape or a long reload never
/// takes a SIP thread (and a blocked SIP worker never stops the endpoint answering).
/// </summary>
public sealed partial class ManagementServer : IHostedService, IAsyncDisposable, IDisposable
{
    private readonly HostSettings _settings;
    private readonly SipServer _server;
    private readonly ScriptRuntime _scripts;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly PrometheusExporter _metrics;
    private readonly ManagementRequests _requests;
    private WebApplication? _app;

    internal ManagementServer(HostSettings settings, SipServer server, ScriptRuntime scripts, PluginCatalog plugins, ProcessingServices services, TimeProvider time, ILoggerFactory loggerFactory)
    {
        _settings = settings;
        _server = server;
        _scripts = scripts;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<ManagementServer>();
        _metrics = new PrometheusExporter(server.Metrics.Meter, server.Counters.RouteTimings);
        _metrics.AddGauge("scripts_version", "Version of the route scripts serving now (1 = first load; each successful reload adds one)", () => scripts.IsLoaded ? scripts.Current.Version : 0);
        _metrics.AddCounter("scripts_reload_failures_total", "Script reloads that did not compile (the previous version kept serving)", () => scripts.ReloadFailures);
        _metrics.AddGauge("scripts_last_reload_failed", "1 when the last script reload did not compile and nothing has loaded since", () => scripts.LastReloadFailed ? 1 : 0);
        _metrics.AddGauge("tm_max_suspended", "Transactions:MaxSuspended: past it TSuspend() returns false", () => settings.Transactions.MaxSuspended);
        _metrics.AddGauge("ready", "1 when scripts are loaded and every SIP listener receives (as /health/ready)", () => NotReadyReason() is null ? 1 : 0);
        Methods = new RpcMethodTable(plugins.FindRpcMethod, () => plugins.RpcMethodNames);
        CoreRpcMethods.AddTo(Methods, server, services, time.GetUtcNow(), time);
        StatsRpcMethods.AddTo(Methods, server.Counters, services.Transactions, settings.Transactions);
        TmRpcMethods.AddTo(Methods, services.Transactions);
        ScriptRpcMethods.AddTo(Methods, scripts, plugins);
        LogRpcMethods.AddTo(Methods);
        var rpc = new JsonRpcProcessor(Methods, _logger);
        _requests = new ManagementRequests(new BearerToken(settings.Management.Token), _metrics, rpc, NotReadyReason, _logger, time);
    }

    public RpcMethodTable Methods { get; }

    /// <summary>The bound addresses (with the kernel's port where the configuration said 0); empty when off.</summary>
    public IReadOnlyList<Uri> Urls { get; private set; } = [];

    /// <summary>
    /// Binds and starts serving (once). The application calls it right after the SIP listeners are
    /// bound, before the scripts compile: /health/live answers from then on, /health/ready once all is up.
    /// </summary>
    /// <exception cref="ListenFailedException">An address cannot be bound; the message names it.</exception>
    public async Task OpenAsync(CancellationToken cancellationToken = default)
    {
        if (_app is not null || !_settings.Management.Enabled)
        {
            return;
        }

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = _settings.ContentRoot, ApplicationName = "ScriptedSip.Management" });
        builder.Services.AddSingleton(_loggerFactory);
        // A scrape or a health check runs on the socket event thread that read it, start to end:
        // handed to the thread pool, its few awaits woke a pool thread each (about 8 context
        // switches and 0.25 ms of CPU per scrape, measured). What runs there is short and bounded
        // (the metrics text, a health line); RPC methods, which can take long (a reload compiles),
        // are moved to the thread pool (ManagementRequests). SIP workers never run any of it.
        builder.WebHost.UseSockets(o => o.UnsafePreferInlineScheduling = true);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = ManagementOptions.MaxBodyBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            foreach (var endpoint in _settings.Management.Endpoints)
            {
                kestrel.Listen(endpoint);
            }

            if (_settings.Management.SocketPath is { } socket)
            {
                ManagementSocket.RemoveStale(socket);
                kestrel.ListenUnixSocket(socket);
            }
        });
        var app = builder.Build();
        app.Run(_requests.HandleAsync);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            var which = string.Join(", ", _settings.Management.Endpoints.Select(e => "http://" + e).Append(_settings.Management.SocketPath is { } path ? "unix:" + path : null).OfType<string>());
            var key = _settings.Management.Endpoints.Count == 0 ? "Management:Socket" : "Management:Urls";
            throw new ListenFailedException($"{key}: cannot listen on {which}: {(ex.InnerException ?? ex).Message}", ex);
        }

        _app = app;
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        // Kestrel names the socket "http://unix:/path": not a URL a client can use, listed apart.
        Urls = [.. addresses.Where(a => !a.Contains("unix:", StringComparison.Ordinal)).Select(a => new Uri(a))];
        if (_settings.Management.SocketPath is { } bound)
        {
            ManagementSocket.RestrictToOwner(bound);
        }

        var listening = Urls.Select(u => u.ToString().TrimEnd('/')).Append(_settings.Management.SocketPath is { } sp ? "unix:" + sp : null).OfType<string>();
        LogListening(_logger, string.Join(", ", listening), _settings.Management.RequiresToken ? "bearer token required" : "no token");
    }

    public Task StartAsync(CancellationToken cancellationToken) => OpenAsync(cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is { } app)
        {
            await app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.DisposeAsync().ConfigureAwait(false);
        }

        _metrics.Dispose();
    }

    public void Dispose()
    {
        if (_app is IDisposable app)
        {
            _app = null;
            app.Dispose();
        }

        _metrics.Dispose();
    }

    /// <summary>Null when ready (scripts loaded, every listener bound and receiving), else why not.</summary>
    private string? NotReadyReason()
    {
        if (!_scripts.IsLoaded)
        {
            return "not ready: scripts not loaded yet";
        }

        return _server.Started && _server.Listeners.Count == _settings.Listen.Count
            ? null
            : "not ready: SIP listeners not started yet";
    }

    [LoggerMessage(EventId = 7000, Level = LogLevel.Information, Message = "Management endpoint on {Urls} (/metrics, /health/live, /health/ready, /rpc; {Auth})")]
    private static partial void LogListening(ILogger logger, string urls, string auth);
}
