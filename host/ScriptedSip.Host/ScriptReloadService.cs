using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScriptedSip.Host.Configuration;
using ScriptedSip.Host.Plugins;
using ScriptedSip.Scripting;

namespace ScriptedSip.Host;

/// <summary>
/// Watches the scripts folder (<c>Scripts:HotReload</c>) and the plugins folder
/// (<c>Plugins:HotReload</c>), and releases replaced versions once nothing runs on them. Both
/// kinds of change go through the plugin catalog, so scripts are always compiled against the
/// plugins on disk — a script reload never revives a plugin whose folder is gone.
/// </summary>
internal sealed partial class ScriptReloadService : IHostedService, IDisposable
{
    private readonly ScriptRuntime _runtime;
    private readonly PluginCatalog _plugins;
    private readonly HostSettings _settings;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private RetiredVersionSweep? _sweep;
    private DirectoryWatcher? _scriptWatcher;
    private DirectoryWatcher? _pluginWatcher;

    public ScriptReloadService(ScriptRuntime runtime, PluginCatalog plugins, HostSettings settings, ILoggerFactory loggerFactory, TimeProvider time)
    {
        _runtime = runtime;
        _plugins = plugins;
        _settings = settings;
        _time = time;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<ScriptReloadService>();
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_runtime.IsLoaded)
        {
            // Started without the application's start-up (an embedding host, tests): nobody else
            // reports a first load's compile errors, so they are logged here.
            foreach (var error in _plugins.Apply().Errors)
            {
                LogFirstLoadError(_logger, error);
            }
        }

        _sweep = new RetiredVersionSweep(_runtime, _time);
        var quiet = TimeSpan.FromMilliseconds(_settings.Scripts.ReloadDebounceMs);
        if (_settings.Scripts.HotReload)
        {
            _scriptWatcher = new DirectoryWatcher(_runtime.ScriptsDirectory, () => _plugins.Apply(pluginsChanged: false), quiet, _loggerFactory.CreateLogger<DirectoryWatcher>(), _time);
        }

        if (_settings.Plugins.HotReload && Directory.Exists(_plugins.Folder))
        {
            _pluginWatcher = new DirectoryWatcher(_plugins.Folder, () => _plugins.Apply(), quiet + TimeSpan.FromMilliseconds(300), _loggerFactory.CreateLogger<DirectoryWatcher>(), _time);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _scriptWatcher?.Dispose();
        _scriptWatcher = null;
        _pluginWatcher?.Dispose();
        _pluginWatcher = null;
        _sweep?.Dispose();
        _sweep = null;
    }

    [LoggerMessage(EventId = 2004, Level = LogLevel.Error, Message = "{Diagnostic}")]
    private static partial void LogFirstLoadError(ILogger logger, string diagnostic);
}
