using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScriptedSip.Scripting;

namespace ScriptedSip.Host;

/// <summary>Starts the script folder watcher when <c>Scripts:HotReload</c> is on.</summary>
internal sealed class ScriptReloadService : IHostedService, IDisposable
{
    private readonly ScriptRuntime _runtime;
    private readonly ScriptsOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private ScriptDirectoryWatcher? _watcher;

    public ScriptReloadService(ScriptRuntime runtime, ScriptsOptions options, ILoggerFactory loggerFactory)
    {
        _runtime = runtime;
        _options = options;
        _loggerFactory = loggerFactory;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_runtime.IsLoaded)
        {
            _runtime.Load();
        }

        if (_options.HotReload)
        {
            _watcher = new ScriptDirectoryWatcher(
                _runtime,
                TimeSpan.FromMilliseconds(_options.ReloadDebounceMs),
                _loggerFactory.CreateLogger<ScriptDirectoryWatcher>());
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
        _watcher?.Dispose();
        _watcher = null;
    }
}
