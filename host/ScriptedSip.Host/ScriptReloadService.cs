using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScriptedSip.Host.Configuration;
using ScriptedSip.Host.Plugins;
using ScriptedSip.Scripting;

namespace ScriptedSip.Host;

/// <summary>Watches the scripts folder (<c>Scripts:HotReload</c>) and the plugins folder (<c>Plugins:HotReload</c>).</summary>
internal sealed class ScriptReloadService : IHostedService, IDisposable
{
    private readonly ScriptRuntime _runtime;
    private readonly PluginCatalog _plugins;
    private readonly HostSettings _settings;
    private readonly ILoggerFactory _loggerFactory;
    private DirectoryWatcher? _scriptWatcher;
    private DirectoryWatcher? _pluginWatcher;

    public ScriptReloadService(ScriptRuntime runtime, PluginCatalog plugins, HostSettings settings, ILoggerFactory loggerFactory)
    {
        _runtime = runtime;
        _plugins = plugins;
        _settings = settings;
        _loggerFactory = loggerFactory;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_runtime.IsLoaded)
        {
            _plugins.Apply();
        }

        var quiet = TimeSpan.FromMilliseconds(_settings.Scripts.ReloadDebounceMs);
        if (_settings.Scripts.HotReload)
        {
            _scriptWatcher = new DirectoryWatcher(_runtime.ScriptsDirectory, () => _runtime.Load(), quiet, _loggerFactory.CreateLogger<DirectoryWatcher>());
        }

        if (_settings.Plugins.HotReload && Directory.Exists(_plugins.Folder))
        {
            _pluginWatcher = new DirectoryWatcher(_plugins.Folder, () => _plugins.Apply(), quiet + TimeSpan.FromMilliseconds(300), _loggerFactory.CreateLogger<DirectoryWatcher>());
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
    }
}
