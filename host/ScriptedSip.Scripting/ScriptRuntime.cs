using Microsoft.Extensions.Logging;
using ScriptedSip.Core.Routing;

namespace ScriptedSip.Scripting;

/// <summary>
/// Owns the route set that is loaded now. A reload builds a complete new version next to the
/// running one and swaps one reference: each message reads <see cref="Current"/> once, so it runs
/// entirely on one version. A version that does not compile is reported and the old one stays.
/// The replaced version's load context is asked to unload; it is collected once nothing refers to
/// its code. Its environment (the plugin versions it was compiled against) is released as soon as
/// no message runs on it any more — see <see cref="ReleaseCollected"/>.
/// </summary>
public sealed partial class ScriptRuntime : IRouteProvider
{
    private readonly RouteSetLoader _loader;
    private readonly string _scriptsDir;
    private readonly ILogger _logger;
    private readonly Lock _reloadLock = new();
    private readonly RetiredRouteSets _retired = new();
    private IRouteSet? _current;
    private int _version;
    private long _reloadFailures;
    private int _lastReloadFailed;
    private ScriptEnvironment _environment;

    public ScriptRuntime(RouteSetLoader loader, ScriptReferenceSet references, string scriptsDir, ILogger<ScriptRuntime> logger)
    {
        _loader = loader;
        _environment = ScriptEnvironment.WithoutPlugins(references);
        _scriptsDir = scriptsDir;
        _logger = logger;
    }

    /// <summary>The references scripts compile against now (framework, SDK, loaded plugins).</summary>
    public ScriptReferenceSet References => Volatile.Read(ref _environment).References;

    public IRouteSet Current => Volatile.Read(ref _current) ?? throw new InvalidOperationException("Scripts are not loaded yet.");

    public bool IsLoaded => Volatile.Read(ref _current) is not null;

    /// <summary>Names of the routes loaded now (none before the first successful load).</summary>
    public IReadOnlyList<string> RouteNames => Volatile.Read(ref _current) is LoadedRouteSet set ? [.. set.Names.Order(StringComparer.Ordinal)] : [];

    public string ScriptsDirectory => _scriptsDir;

    /// <summary>Replaced versions not yet collected: a message may still run on them.</summary>
    public int RetiredVersions => _retired.Count;

    /// <summary>Reloads whose scripts did not compile (the old version kept serving), since start.</summary>
    public long ReloadFailures => Interlocked.Read(ref _reloadFailures);

    /// <summary>The last reload failed and nothing has loaded since: what an operator is paged for.</summary>
    public bool LastReloadFailed => Volatile.Read(ref _lastReloadFailed) != 0;

    /// <summary>Raised after a new version was swapped in.</summary>
    public event EventHandler<RouteSetSwappedEventArgs>? Swapped;

    /// <summary>Loads the scripts against the environment of the current version; on success the new version serves from now on.</summary>
    public RouteSetLoadResult Load() => Load(null);

    /// <summary>
    /// Loads the scripts against another environment (plugins changed). Only when they compile do
    /// the new environment and version take over; otherwise everything stays as it was.
    /// </summary>
    public RouteSetLoadResult Load(ScriptEnvironment? environment)
    {
        // Each reload is also a moment to let go of versions that have finished since the last one.
        ReleaseCollected();
        lock (_reloadLock)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var version = _version + 1;
            var useEnvironment = environment ?? _environment;
            var result = _loader.Load(_scriptsDir, version, useEnvironment);
            var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
            if (result.Routes is null)
            {
                // A reload's errors are logged here: nothing else reports them, and the old version
                // keeps serving. A first load's errors go back to the caller, which reports them once
                // (start-up and --check print them and exit).
                var old = Volatile.Read(ref _current);
                if (old is not null)
                {
                    foreach (var error in result.Errors)
                    {
                        LogCompileError(_logger, error);
                    }

                    LogKeptOld(_logger, old.Version);
                    Interlocked.Increment(ref _reloadFailures);
                    Volatile.Write(ref _lastReloadFailed, 1);
                }

                return result;
            }

            _version = version;
            Volatile.Write(ref _lastReloadFailed, 0);
            Volatile.Write(ref _environment, useEnvironment);
            useEnvironment.Hold(); // before the swap: the plugins it needs can never be released under it
            var previous = Interlocked.Exchange(ref _current, result.Routes);
            if (previous is LoadedRouteSet loaded)
            {
                loaded.Context.Unload();
                _retired.Add(loaded);
            }

            if (_logger.IsEnabled(LogLevel.Information))
            {
                var names = string.Join(", ", ((LoadedRouteSet)result.Routes).Names);
                LogLoaded(_logger, version, result.Compiled, result.FromCache, (long)elapsed.TotalMilliseconds, names);
            }
            Swapped?.Invoke(this, new RouteSetSwappedEventArgs(result.Routes, previous));
            return result;
        }
    }

    /// <summary>
    /// Releases the environment of every replaced version whose route set has been collected (no
    /// message runs on it any more); returns how many replaced versions are still alive.
    /// Collecting is the garbage collector's business: callers that need progress (the reload
    /// service's sweep, tests) collect first.
    /// </summary>
    public int ReleaseCollected()
    {
        // Outside the reload lock: releasing calls into the plugin catalog, which may be reloading.
        foreach (var (version, environment) in _retired.TakeCollected())
        {
            LogReleased(_logger, version);
            environment.Release();
        }

        return _retired.Count;
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Error, Message = "{Diagnostic}")]
    private static partial void LogCompileError(ILogger logger, string diagnostic);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Scripts not reloaded: version {Version} keeps serving")]
    private static partial void LogKeptOld(ILogger logger, int version);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Scripts version {Version} loaded in {ElapsedMs} ms ({Compiled} compiled, {FromCache} from cache): {Routes}")]
    private static partial void LogLoaded(ILogger logger, int version, int compiled, int fromCache, long elapsedMs, string routes);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Debug, Message = "Scripts version {Version} collected: no message runs on it any more")]
    private static partial void LogReleased(ILogger logger, int version);
}
