using ScriptedSip.Sdk.Plugins;

namespace ScriptedSip.Plugins.Dispatcher;

/// <summary>Reloads the sets when the list file changes (after 200 ms without further changes: editors write in steps).</summary>
internal sealed class ListFileWatcher : IPluginService, IDisposable
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(200);
    private readonly string _path;
    private readonly Action _reload;
    private readonly TimeProvider _time;
    private FileSystemWatcher? _watcher;
    private ITimer? _debounce;

    public ListFileWatcher(string path, Action reload, TimeProvider time)
    {
        _path = Path.GetFullPath(path);
        _reload = reload;
        _time = time;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _debounce = _time.CreateTimer(_ => _reload(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _watcher = new FileSystemWatcher(Path.GetDirectoryName(_path)!, Path.GetFileName(_path))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        _watcher.Changed += (_, _) => Touch();
        _watcher.Created += (_, _) => Touch();
        _watcher.Renamed += (_, _) => Touch();
        _watcher.Deleted += (_, _) => Touch();
        _watcher.EnableRaisingEvents = true;
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
        _debounce?.Dispose();
        _debounce = null;
    }

    private void Touch() => _debounce?.Change(Quiet, Timeout.InfiniteTimeSpan);
}
