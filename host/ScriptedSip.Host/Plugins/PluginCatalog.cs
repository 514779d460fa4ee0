using System.Reflection;
using System.Security.Cryptography;
using McMaster.NETCore.Plugins;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using ScriptedSip.Core.Plugins;
using ScriptedSip.Host.Configuration;
using ScriptedSip.Scripting;
using ScriptedSip.Sdk.Plugins;
using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Host.Plugins;

/// <summary>
/// The plugins folder: every sub-folder <c>NAME/</c> holding <c>NAME.dll</c> is one plugin, loaded
/// from memory into its own collectible context that shares only the SDK (and the framework and
/// logging abstractions) with the host. A plugin that fails to load is reported with its name and
/// the reason and skipped. Changes are applied as a whole: new plugin set → scripts recompiled
/// against it → only if they compile do the new plugins take over; the replaced ones are stopped
/// and unloaded once the old script version is gone.
/// </summary>
public sealed partial class PluginCatalog : IDisposable
{
    private static readonly TimeSpan UnloadGrace = TimeSpan.FromSeconds(2);
    private readonly PluginsOptions _options;
    private readonly IConfiguration _configuration;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ISipHost _host;
    private readonly PluginExports _exports;
    private readonly ScriptRuntime _scripts;
    private readonly ScriptReferenceSet _baseReferences;
    private readonly bool _reportsErrors;
    private readonly Lock _lock = new();
    private List<LoadedPlugin> _loaded = [];

    internal PluginCatalog(
        PluginsOptions options,
        IConfiguration configuration,
        ILoggerFactory loggerFactory,
        TimeProvider time,
        ISipHost host,
        PluginExports exports,
        ScriptRuntime scripts,
        ScriptReferenceSet baseReferences,
        bool callerReportsErrors = false)
    {
        _options = options;
        _configuration = configuration;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<PluginCatalog>();
        _time = time;
        _host = host;
        _exports = exports;
        _scripts = scripts;
        _baseReferences = baseReferences;
        _reportsErrors = callerReportsErrors;
    }

    /// <summary>
    /// Problems of the last scan, one line per plugin: <c>plugin NAME: reason</c>. They are also
    /// logged, unless the catalog was made for a caller that prints them itself (<c>--check</c>).
    /// </summary>
    public IReadOnlyList<string> Errors { get; private set; } = [];

    /// <summary>Names of the plugins in use now.</summary>
    public IReadOnlyList<string> Names => Volatile.Read(ref _loaded).Select(p => p.Name).ToList();

    public string Folder => _options.Path;

    /// <summary>The assembly of a loaded plugin (tests hold it weakly to prove an unload).</summary>
    internal Assembly? LoadedAssembly(string name) => Volatile.Read(ref _loaded).FirstOrDefault(p => p.Name == name)?.Assembly;

    /// <summary>Scans the plugins folder and (re)compiles the scripts against what loaded: at start and on every change.</summary>
    public RouteSetLoadResult Apply()
    {
        lock (_lock)
        {
            var errors = new List<string>();
            var current = _loaded;
            var live = _scripts.IsLoaded;
            var next = new List<LoadedPlugin>();
            var added = new List<LoadedPlugin>();
            foreach (var folder in PluginFolders())
            {
                var name = Path.GetFileName(folder);
                var dll = Path.Combine(folder, name + ".dll");
                string hash;
                try
                {
                    hash = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(dll)));
                }
                catch (IOException ex)
                {
                    errors.Add($"plugin {name}: cannot read {dll}: {ex.Message}");
                    continue;
                }

                var same = current.FirstOrDefault(p => p.FolderName == name && p.FileHash == hash);
                if (same is not null)
                {
                    next.Add(same);
                    continue;
                }

                try
                {
                    var plugin = Load(name, dll, hash);
                    CheckConflicts(plugin, next);
                    next.Add(plugin);
                    added.Add(plugin);
                }
                catch (PluginLoadException ex)
                {
                    errors.Add($"plugin {name}: {ex.Message}");
                }
            }

            if (!_reportsErrors)
            {
                foreach (var error in errors)
                {
                    LogPluginError(_logger, error);
                }
            }

            Errors = errors;
            var references = _baseReferences.WithAssemblies(next.Select(p => (p.Assembly.GetName().Name!, p.Image)));
            var assemblies = next.ToDictionary(p => p.Assembly.GetName().Name!, p => p.Assembly, StringComparer.Ordinal);
            var result = _scripts.Load(references, ScriptReferenceSet.Resolver(assemblies));
            if (!result.Success)
            {
                // Only a live change has something that keeps serving; a first load that fails stops the host.
                if (live && (added.Count > 0 || next.Count != current.Count))
                {
                    LogNotApplied(_logger);
                }

                foreach (var plugin in added)
                {
                    Retire(plugin, immediately: true);
                }

                return result;
            }

            var retired = current.Where(p => !next.Contains(p)).ToList();
            _exports.Replace(next.SelectMany(p => p.Context.Exports));
            Volatile.Write(ref _loaded, next);
            foreach (var plugin in added)
            {
                LogLoaded(_logger, plugin.Name, plugin.Assembly.GetName().Version?.ToString() ?? "?", plugin.FolderName);
            }

            foreach (var plugin in retired)
            {
                LogUnloading(_logger, plugin.Name);
                Retire(plugin, immediately: false);
            }

            return result;
        }
    }

    public void Dispose()
    {
        foreach (var plugin in Interlocked.Exchange(ref _loaded, []))
        {
            Retire(plugin, immediately: true);
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

    private LoadedPlugin Load(string folderName, string dll, string hash)
    {
        PluginLoader loader;
        Assembly assembly;
        byte[] image;
        try
        {
            image = File.ReadAllBytes(dll);
            loader = PluginLoader.CreateFromAssemblyFile(
                dll,
                [typeof(IScriptedSipPlugin), typeof(RouteGlobals), typeof(ILogger)],
                config =>
                {
                    config.IsUnloadable = true;
                    config.LoadInMemory = true; // the DLL stays replaceable while loaded
                    config.PreferSharedTypes = true;
                });
            assembly = loader.LoadDefaultAssembly();
        }
        catch (BadImageFormatException ex)
        {
            throw new PluginLoadException($"{dll} is not a valid .NET assembly ({ex.Message})", ex);
        }
        catch (Exception ex) when (ex is FileLoadException or FileNotFoundException or InvalidOperationException or ArgumentException)
        {
            throw new PluginLoadException($"cannot load {dll}: {ex.Message}", ex);
        }

        try
        {
            return Configure(folderName, hash, loader, assembly, image);
        }
        catch
        {
            loader.Dispose();
            throw;
        }
    }

    private LoadedPlugin Configure(string folderName, string hash, PluginLoader loader, Assembly assembly, byte[] image)
    {
        var sdk = assembly.GetReferencedAssemblies().FirstOrDefault(a => a.Name == typeof(IScriptedSipPlugin).Assembly.GetName().Name);
        if (sdk is null)
        {
            throw new PluginLoadException("it does not reference ScriptedSip.Sdk: no plugin type");
        }

        var hostSdk = typeof(IScriptedSipPlugin).Assembly.GetName().Version!;
        if (sdk.Version?.Major != hostSdk.Major)
        {
            throw new PluginLoadException($"built for ScriptedSip.Sdk {sdk.Version}; this host has SDK {hostSdk} (major versions must match)");
        }

        Type[] types;
        try
        {
            types = assembly.GetExportedTypes();
        }
        catch (Exception ex) when (ex is ReflectionTypeLoadException or FileNotFoundException or FileLoadException or TypeLoadException)
        {
            throw new PluginLoadException($"a dependency is missing: {ex.Message}", ex);
        }

        var pluginTypes = types.Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IScriptedSipPlugin).IsAssignableFrom(t)).ToList();
        if (pluginTypes.Count != 1)
        {
            throw new PluginLoadException(pluginTypes.Count == 0
                ? $"{assembly.GetName().Name} has no public class implementing IScriptedSipPlugin"
                : $"{assembly.GetName().Name} has {pluginTypes.Count} plugin classes; one per DLL");
        }

        IScriptedSipPlugin instance;
        PluginContext context;
        try
        {
            instance = (IScriptedSipPlugin)Activator.CreateInstance(pluginTypes[0])!;
            context = new PluginContext(instance.Name, _configuration, _loggerFactory.CreateLogger("Plugin." + instance.Name), _time, _host);
            instance.Configure(context);
            foreach (var service in context.Services)
            {
                service.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
            }
        }
        catch (PluginLoadException)
        {
            throw;
        }
        catch (Exception ex) when (ex is TargetInvocationException or FileNotFoundException or FileLoadException or TypeLoadException)
        {
            throw new PluginLoadException($"a dependency is missing or it failed to start: {(ex.InnerException ?? ex).Message}", ex);
        }
#pragma warning disable CA1031 // whatever a plugin throws while starting, the host goes on without it
        catch (Exception ex)
#pragma warning restore CA1031
        {
            throw new PluginLoadException($"failed to start: {ex.GetType().Name}: {ex.Message}", ex);
        }

        return new LoadedPlugin(folderName, hash, loader, assembly, image, instance, context);
    }

    private static void CheckConflicts(LoadedPlugin plugin, List<LoadedPlugin> others)
    {
        foreach (var other in others)
        {
            if (string.Equals(other.Name, plugin.Name, StringComparison.OrdinalIgnoreCase))
            {
                StopServices(plugin);
                plugin.Loader.Dispose();
                throw new PluginLoadException($"its name '{plugin.Name}' is already used by the plugin in folder {other.FolderName}");
            }

            var clash = plugin.Context.Exports.Keys.FirstOrDefault(t => other.Context.Exports.Keys.Any(o => o.FullName == t.FullName));
            if (clash is not null)
            {
                StopServices(plugin);
                plugin.Loader.Dispose();
                throw new PluginLoadException($"it exports {clash.FullName}, which plugin {other.Name} already exports to scripts");
            }
        }
    }

    /// <summary>Stops a plugin and unloads its context — after a grace period when scripts of the previous version may still be running.</summary>
    private static void Retire(LoadedPlugin plugin, bool immediately)
    {
        if (immediately)
        {
            StopServices(plugin);
            plugin.Loader.Dispose();
            return;
        }

        _ = Task.Delay(UnloadGrace).ContinueWith(
            _ =>
            {
                StopServices(plugin);
                plugin.Loader.Dispose();
            },
            TaskScheduler.Default);
    }

    private static void StopServices(LoadedPlugin plugin)
    {
        foreach (var service in plugin.Context.Services)
        {
            try
            {
                service.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
            }
#pragma warning disable CA1031 // a plugin failing to stop must not stop the unload of the others
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Error, Message = "{Error}; the host goes on without it")]
    private static partial void LogPluginError(ILogger logger, string error);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Plugin {Name} {Version} loaded from {Folder}")]
    private static partial void LogLoaded(ILogger logger, string name, string version, string folder);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Information, Message = "Plugin {Name} unloaded")]
    private static partial void LogUnloading(ILogger logger, string name);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Warning, Message = "Plugin change not applied: the scripts do not compile against it; the previous plugins and scripts keep serving")]
    private static partial void LogNotApplied(ILogger logger);
}
