using Microsoft.Extensions.Logging;

namespace ScriptedSip.Scripting;

/// <summary>
/// Watches the scripts folder and reloads after the writes have settled. Editors save through a
/// temp file and a rename, or in several writes: every event restarts one debounce timer, so a
/// burst causes one reload.
/// </summary>
public sealed partial class ScriptDirectoryWatcher : IDisposable
{
    private readonly ScriptRuntime _runtime;
    private readonly ILogger _logger;
    private readonly FileSystemWatcher _watcher;
    private readonly Timer _debounce;
    private readonly TimeSpan _quietTime;
    private int _disposed;

    public ScriptDirectoryWatcher(ScriptRuntime runtime, TimeSpan quietTime, ILogger<ScriptDirectoryWatcher> logger)
    {
        _runtime = runtime;
        _logger = logger;
        _quietTime = quietTime;
        _debounce = new Timer(_ => Reload(), null, Timeout.Infinite, Timeout.Infinite);
        _watcher = new FileSystemWatcher(runtime.ScriptsDirectory)
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

    private static bool IsScriptInput(string path) =>
        path.EndsWith(".csx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);

    private void Reload()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        LogReloading(_logger);
        try
        {
            _runtime.Load();
        }
#pragma warning disable CA1031 // a failed reload must never stop the watcher; the old version keeps serving
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogReloadFailed(_logger, ex);
        }
    }

    [LoggerMessage(EventId = 2010, Level = LogLevel.Information, Message = "Script change detected, reloading")]
    private static partial void LogReloading(ILogger logger);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Error, Message = "Script reload failed; the previous version keeps serving")]
    private static partial void LogReloadFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Warning, Message = "Script folder watcher error")]
    private static partial void LogWatchError(ILogger logger, Exception exception);
}
