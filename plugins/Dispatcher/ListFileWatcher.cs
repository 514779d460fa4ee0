using ScriptedSip.Sdk.Plugins;

namespace ScriptedSip.Plugins.Dispatcher;

/// <summary>Reloads the sets when the list file changes (after 200 ms without further changes: editors write in steps).</summary>
internal sealed class ListFileWatcher(string path, Action reload, TimeProvider time) : IPluginService, IDisposable
{
    private readonly FileChangeWatcher _watcher = new(path, reload, TimeSpan.FromMilliseconds(200), time);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _watcher.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _watcher.Dispose();
}
