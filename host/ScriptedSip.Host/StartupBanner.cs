using System.Reflection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScriptedSip.Host.Configuration;
using ScriptedSip.Host.Plugins;
using ScriptedSip.Scripting;

namespace ScriptedSip.Host;

/// <summary>
/// Says, once every service has started, what is running: version, content root, the bound listen
/// addresses (with the kernel's port where the configuration said 0), the routes and plugins in use,
/// and how to stop. The generic host's own "Application started" lines are filtered out by the
/// shipped NLog rules; this replaces them with what an operator needs to see.
/// </summary>
internal sealed partial class StartupBanner : IHostedLifecycleService
{
    private readonly HostSettings _settings;
    private readonly SipServer _server;
    private readonly ScriptRuntime _scripts;
    private readonly PluginCatalog _plugins;
    private readonly ILogger _logger;

    public StartupBanner(HostSettings settings, SipServer server, ScriptRuntime scripts, PluginCatalog plugins, ILogger<StartupBanner> logger)
    {
        _settings = settings;
        _server = server;
        _scripts = scripts;
        _plugins = plugins;
        _logger = logger;
    }

    /// <summary>The host's version: the assembly's informational version, with a source hash cut to 7 characters.</summary>
    public static string Version
    {
        get
        {
            var version = typeof(StartupBanner).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?";
            var plus = version.IndexOf('+', StringComparison.Ordinal);
            return plus >= 0 && version.Length > plus + 8 ? version[..(plus + 8)] : version;
        }
    }

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        var listen = string.Join(", ", _server.Listeners.Select(l => l.Endpoint.ToString()).Concat(_server.StreamListeners.Select(l => l.Local.ToString())));
        var routes = _scripts.RouteNames;
        var plugins = _plugins.Names;
        LogStarted(_logger, Version, _settings.ContentRoot);
        LogServing(
            _logger,
            listen,
            routes.Count,
            routes.Count == 1 ? "route" : "routes",
            string.Join(", ", routes),
            plugins.Count,
            plugins.Count == 1 ? "plugin" : "plugins",
            plugins.Count == 0 ? string.Empty : " (" + string.Join(", ", plugins) + ")");
        return Task.CompletedTask;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "ScriptedSip {Version} started; content root {ContentRoot}")]
    private static partial void LogStarted(ILogger logger, string version, string contentRoot);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Information, Message = "Listening on {Listen}; {RouteCount} {RouteWord} ({Routes}), {PluginCount} {PluginWord}{Plugins} loaded; Ctrl-C to stop")]
    private static partial void LogServing(ILogger logger, string listen, int routeCount, string routeWord, string routes, int pluginCount, string pluginWord, string plugins);
}
