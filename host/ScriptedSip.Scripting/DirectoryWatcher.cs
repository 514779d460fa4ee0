using Microsoft.Extensions.Logging;

namespace ScriptedSip.Scripting;

/// <summary>
/// Watches a folder (scripts, plugins) and reloads after the writes have settled. Editors save
/// through a temp file and a rename, or in several writes: every event restarts one debounce
/// timer, so a burst causes one reload.
/// </summary>
public sealed partial class DirectoryWatcher : IDisposable
{
    private readonly Action _reload;
    private readonly ILogger _logger;
    private readonly FileSystemWatcher _watcher;
    private readonly ITimer _debounce;
    private readonly TimeSpan _quietTime;
    private int _disposed;

    public DirectoryWatcher(string folder, Action reload, TimeSpan quietTime, ILogger<DirectoryWatcher> logger)
        : this(folder, reload, quietTime, logger, TimeProvider.System)
    {
    }

    /// <param name="time">Runs the debounce timer (a fake one in tests: the reload happens when the test advances it).</param>
    public DirectoryWatcher(string folder, Action reload, TimeSpan quietTime, ILogger<DirectoryWatcher> logger, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        _reload = reload;
        _logger = logger;
        _quietTime = quietTime;
        _debounce = time.CreateTimer(_ => Reload(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _watcher = new FileSystemWatcher(folder)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.DirectoryName,
        };
        _watcher.Changed += OnChanged;
        _watcher.Created += OnChanged;
        _watcher.Deleted += OnChanged;
        _watcher.Renamed += OnChanged;
        _watcher.Error += (_, e) => LogWatchError(_logger, e.GetException());
        _watcher.EnableRaisingEvents = true;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _watcher.Dispose();
            _debounce.Dispose();
        }
    }

    private void OnChanged(object sender, FileSystemEventArgs e)
    {
        if (IsScriptInput(e.FullPath) || (e is RenamedEventArgs r && IsScriptInput(r.OldFullPath)))
        {
            _debounce.Change(_quietTime, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>
    /// Scripts, assemblies, and folders: files written right after their folder was created can be
    /// missed by the OS watch (inotify adds the new folder's watch a moment later), so a new or
    /// removed folder (a plugin dropped in or deleted) triggers the reload by itself.
    /// </summary>
    private static bool IsScriptInput(string path) =>
        path.EndsWith(".csx", StringComparison.OrdinalIgnoreCase)
        || path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
        || !Path.HasExtension(path);

    private void Reload()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        LogReloading(_logger);
        try
        {
            _reload();
        }
#pragma warning disable CA1031 // a failed reload must never stop the watcher; the old version keeps serving
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogReloadFailed(_logger, ex);
        }
    }

    [LoggerMessage(EventId = 2010, Level = LogLevel.Information, Message = "Change detected, reloading")]
    private static partial void LogReloading(ILogger logger);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Error, Message = "Reload failed; the previous version keeps serving")]
    private static partial void LogReloadFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Warning, Message = "Folder watcher error")]
    private static partial void LogWatchError(ILogger logger, Exception exception);
}
