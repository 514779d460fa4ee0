namespace ScriptedSip.Sdk.Plugins;

/// <summary>
/// Calls back once a file has stopped changing for a quiet time — editors write in steps, or to a
/// temporary file renamed over the old one. Watches that one file (its folder without subfolders),
/// never a whole tree: a recursive watch costs one inotify watch per folder below it.
/// </summary>
public sealed class FileChangeWatcher : IDisposable
{
    private readonly string _path;
    private readonly Action _changed;
    private readonly TimeSpan _quiet;
    private readonly TimeProvider _time;
    private FileSystemWatcher? _watcher;
    private ITimer? _debounce;

    /// <param name="path">The file (it need not exist yet; its folder must).</param>
    /// <param name="changed">Runs on a timer thread after <paramref name="quiet"/> without further changes.</param>
    /// <param name="quiet">How long the file must stay unchanged.</param>
    /// <param name="time">Runs the quiet-time timer (the plugin context's clock).</param>
    public FileChangeWatcher(string path, Action changed, TimeSpan quiet, TimeProvider time)
    {
        _path = Path.GetFullPath(path);
        _changed = changed;
        _quiet = quiet;
        _time = time;
    }

    /// <summary>Starts watching (once).</summary>
    public void Start()
    {
        if (_watcher is not null)
        {
            return;
        }

        _debounce = _time.CreateTimer(_ => _changed(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _watcher = new FileSystemWatcher(Path.GetDirectoryName(_path)!, Path.GetFileName(_path))
        {
            IncludeSubdirectories = false,
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        _watcher.Changed += (_, _) => Touch();
        _watcher.Created += (_, _) => Touch();
        _watcher.Renamed += (_, _) => Touch();
        _watcher.Deleted += (_, _) => Touch();
        _watcher.EnableRaisingEvents = true;
    }

    /// <summary>Stops watching; a pending callback does not run.</summary>
    public void Dispose()
    {
        _watcher?.Dispose();
        _watcher = null;
        _debounce?.Dispose();
        _debounce = null;
    }

    private void Touch() => _debounce?.Change(_quiet, Timeout.InfiniteTimeSpan);
}
