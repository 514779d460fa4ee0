using System.Reflection;
using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using ScriptedSip.Core.Plugins;
using ScriptedSip.Host.Configuration;
using ScriptedSip.Scripting;
using ScriptedSip.Sdk.Plugins;

namespace ScriptedSip.Host.Plugins;

/// <summary>
/// The plugins folder: every sub-folder <c>NAME/</c> holding <c>NAME.dll</c> is one plugin. A
/// plugin that fails to load is reported with its name and the reason and skipped. Every (re)load
/// of the scripts goes through here, so the scripts are always compiled against the plugins on
/// disk at that moment: plugin set scanned → scripts compiled against it → only if they compile
/// does that set become the loaded one. Versions that left the set stay alive until the last
/// script version compiled against them is gone (<see cref="PluginVersions"/>).
/// </summary>
public sealed partial class PluginCatalog : IDisposable
{
    private readonly PluginsOptions _options;
    private readonly ILogger _logger;
    private readonly ScriptRuntime _scripts;
    private readonly ScriptReferenceSet _baseReferences;
    private readonly PluginActivator _activator;
    private readonly PluginVersions _versions;
    private readonly bool _reportsErrors;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (string Hash, string Error)> _failed = new(StringComparer.Ordinal);
    private ScriptEnvironment? _environment;

    internal PluginCatalog(
        PluginsOptions options,
        IConfiguration configuration,
        ILoggerFactory loggerFactory,
        TimeProvider time,
        ISipHost host,
        PluginExports exports,
        Core.Processing.RequestFilters requestFilters,
        ScriptRuntime scripts,
        ScriptReferenceSet baseReferences,
        string contentRoot,
        bool callerReportsErrors = false)
    {
        _options = options;
        _logger = loggerFactory.CreateLogger<PluginCatalog>();
        _scripts = scripts;
        _baseReferences = baseReferences;
        _activator = new PluginActivator(configuration, loggerFactory, time, host, contentRoot);
        _versions = new PluginVersions(exports, requestFilters, _logger);
        _reportsErrors = callerReportsErrors;
    }

    /// <summary>
    /// Problems of the last scan, one line per plugin: <c>plugin NAME: reason</c>. They are also
    /// logged, unless the catalog was made for a caller that prints them itself (<c>--check</c>).
    /// </summary>
    public IReadOnlyList<string> Errors { get; private set; } = [];

    /// <summary>Names of the plugins in use now.</summary>
    public IReadOnlyList<string> Names => _versions.Active.Select(p => p.Name).ToList();

    public string Folder => _options.Path;

    /// <summary>The plugins in use now.</summary>
    internal IReadOnlyList<LoadedPlugin> Loaded => _versions.Active;

    /// <summary>A loaded plugin's RPC method, or null: looked up at each call, so an unloaded plugin's methods are gone.</summary>
    internal Func<System.Text.Json.JsonElement?, CancellationToken, ValueTask<object?>>? FindRpcMethod(string name)
    {
        foreach (var plugin in _versions.Active)
        {
            if (plugin.Context.RpcMethods.TryGetValue(name, out var method))
            {
                return method;
            }
        }

        return null;
    }

    /// <summary>Names of the loaded plugins' RPC methods.</summary>
    internal IEnumerable<string> RpcMethodNames => _versions.Active.SelectMany(p => p.Context.RpcMethods.Keys);

    /// <summary>The assembly of a loaded plugin (tests hold it weakly to prove an unload).</summary>
    internal Assembly? LoadedAssembly(string name) => _versions.Active.FirstOrDefault(p => p.Name == name)?.Assembly;

    /// <summary>
    /// Scans the plugins folder and (re)compiles the scripts against what loaded: at start, on every
    /// plugin change and on every script change.
    /// </summary>
    /// <param name="pluginsChanged">
    /// False when only scripts changed: a plugin that failed before with the same DLL is reported
    /// again without being retried (its failure may have side effects, and nothing about it changed).
    /// </param>
    public RouteSetLoadResult Apply(bool pluginsChanged = true)
    {
        lock (_lock)
        {
            var current = _versions.Active;
            var (next, added, errors) = Scan(current, pluginsChanged);
            Errors = errors;
            _versions.Stage(added);

            // An unchanged set keeps its environment: a script-only reload does not rebuild the plugin references.
            var environment = _environment is not null && next.SequenceEqual(current) ? _environment : _versions.Environment(next, _baseReferences);
            var result = _scripts.Load(environment);
            var retired = current.Where(p => !next.Contains(p)).ToList();
            if (!result.Success)
            {
                // Only a live change has something that keeps serving; a first load that fails stops the host.
                if (_scripts.IsLoaded && (added.Count > 0 || retired.Count > 0))
                {
                    LogNotApplied(_logger);
                }

                _versions.Discard(added);
                return result;
            }

            _versions.Activate(next);
            _environment = environment;

            // The set changed as a whole: what left it is reported before what joined it, so a
            // replacement reads "X unloaded", then "X <new version> loaded".
            foreach (var plugin in retired)
            {
                LogUnloaded(_logger, plugin.Name);
            }

            foreach (var plugin in added)
            {
                LogLoaded(_logger, plugin.Name, plugin.Version, plugin.FolderName);
            }

            return result;
        }
    }

    public void Dispose() => _versions.Dispose();

    private (List<LoadedPlugin> Next, List<LoadedPlugin> Added, List<string> Errors) Scan(IReadOnlyList<LoadedPlugin> current, bool retryFailed)
    {
        var errors = new List<string>();
        var next = new List<LoadedPlugin>();
        var added = new List<LoadedPlugin>();
        var failed = new Dictionary<string, (string Hash, string Error)>(StringComparer.Ordinal);
        foreach (var folder in PluginFolders())
        {
            var name = Path.GetFileName(folder);
            var dll = Path.Combine(folder, name + ".dll");
            byte[] image;
            try
            {
                image = File.ReadAllBytes(dll);
            }
            catch (IOException ex)
            {
                Report(errors, $"plugin {name}: cannot read {dll}: {ex.Message}");
                continue;
            }

            var hash = Convert.ToHexString(SHA256.HashData(image));
            var same = current.FirstOrDefault(p => p.FolderName == name && p.FileHash == hash);
            if (same is not null)
            {
                next.Add(same);
                continue;
            }

            if (!retryFailed && _failed.TryGetValue(name, out var before) && before.Hash == hash)
            {
                errors.Add(before.Error); // reported when it happened
                failed[name] = before;
                continue;
            }

            try
            {
                var plugin = _activator.Load(name, dll, image, hash);
                CheckConflicts(plugin, next);
                next.Add(plugin);
                added.Add(plugin);
            }
            catch (PluginLoadException ex)
            {
                var error = $"plugin {name}: {ex.Message}";
                failed[name] = (hash, error);
                Report(errors, error);
            }
        }

        _failed.Clear();
        foreach (var (name, failure) in failed)
        {
            _failed[name] = failure;
        }

        return (next, added, errors);
    }

    private void Report(List<string> errors, string error)
    {
        errors.Add(error);
        if (!_reportsErrors)
        {
            LogPluginError(_logger, error);
        }
    }

    private IEnumerable<string> PluginFolders()
    {
        if (!Directory.Exists(_options.Path))
        {
            return [];
        }

        // A folder without NAME.dll is a plugin's source project that has not been built, or not a plugin at all.
        return Directory.GetDirectories(_options.Path)
            .Where(d => !Path.GetFileName(d).StartsWith('.'))
            .Where(d => File.Exists(Path.Combine(d, Path.GetFileName(d) + ".dll")))
            .Order(StringComparer.Ordinal);
    }

    private static void CheckConflicts(LoadedPlugin plugin, List<LoadedPlugin> others)
    {
        foreach (var other in others)
        {
            if (string.Equals(other.Name, plugin.Name, StringComparison.OrdinalIgnoreCase))
            {
                PluginActivator.Unload(plugin);
                throw new PluginLoadException($"its name '{plugin.Name}' is already used by the plugin in folder {other.FolderName}");
            }

            var rpcClash = plugin.Context.RpcMethods.Keys.FirstOrDefault(other.Context.RpcMethods.ContainsKey);
            if (rpcClash is not null)
            {
                PluginActivator.Unload(plugin);
                throw new PluginLoadException($"it adds the RPC method {rpcClash}, which plugin {other.Name} already adds");
            }

            var clash = plugin.Context.Exports.Keys.FirstOrDefault(t => other.Context.Exports.Keys.Any(o => o.FullName == t.FullName));
            if (clash is not null)
            {
                PluginActivator.Unload(plugin);
                throw new PluginLoadException($"it exports {clash.FullName}, which plugin {other.Name} already exports to scripts");
            }
        }
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Error, Message = "{Error}; the host goes on without it")]
    private static partial void LogPluginError(ILogger logger, string error);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Plugin {Name} {Version} loaded from {Folder}")]
    private static partial void LogLoaded(ILogger logger, string name, string version, string folder);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Information, Message = "Plugin {Name} unloaded")]
    private static partial void LogUnloaded(ILogger logger, string name);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Warning, Message = "Plugin change not applied: the scripts do not compile against it; the previous plugins and scripts keep serving")]
    private static partial void LogNotApplied(ILogger logger);
}
