using System.Reflection;
using McMaster.NETCore.Plugins;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using ScriptedSip.Sdk.Plugins;
using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Host.Plugins;

/// <summary>
/// Turns one plugin folder into a configured, started plugin in its own collectible context that
/// shares only the SDK (and the framework and logging abstractions) with the host — and stops and
/// unloads it again. Every reason a plugin cannot load is a <see cref="PluginLoadException"/>.
/// </summary>
internal sealed class PluginActivator
{
    private readonly IConfiguration _configuration;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _time;
    private readonly ISipHost _host;
    private readonly string _contentRoot;

    public PluginActivator(IConfiguration configuration, ILoggerFactory loggerFactory, TimeProvider time, ISipHost host, string contentRoot)
    {
        _contentRoot = contentRoot;
        _configuration = configuration;
        _loggerFactory = loggerFactory;
        _time = time;
        _host = host;
    }

    public LoadedPlugin Load(string folderName, string dll, byte[] image, string hash)
    {
        PluginLoader loader;
        Assembly assembly;
        try
        {
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

    /// <summary>Stops the plugin's services and unloads its context; the context is collected once nothing refers to its types.</summary>
    public static void Unload(LoadedPlugin plugin)
    {
        plugin.Context.Dispose();
        StopServices(plugin);
        plugin.Loader.Dispose();
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
            context = new PluginContext(instance.Name, _configuration, _loggerFactory.CreateLogger("Plugin." + instance.Name), _time, _host, _contentRoot);
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
}
