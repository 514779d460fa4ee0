using Microsoft.Extensions.Logging;
using ScriptedSip.Core.Plugins;
using ScriptedSip.Scripting;

namespace ScriptedSip.Host.Plugins;

/// <summary>
/// The lifetimes of loaded plugin versions. A version is live from its load until it is released:
/// while it is in the active set (the set the current scripts were compiled against) or while a
/// route-set version compiled against it is still alive. Each route-set version holds every plugin
/// version of its <see cref="ScriptEnvironment"/> once, from its swap until no message runs on it
/// any more; a version out of the active set whose last hold is dropped is stopped and unloaded
/// right then.
/// </summary>
internal sealed partial class PluginVersions : IDisposable
{
    private readonly Lock _lock = new();
    private readonly List<LoadedPlugin> _live = [];
    private readonly PluginExports _published;
    private readonly Core.Processing.RequestFilters _filters;
    private readonly ILogger _logger;
    private IReadOnlyList<LoadedPlugin> _active = [];

    /// <param name="published">
    /// The exports table shared with the message path: it holds the exports of every live version,
    /// keyed by their types. Types of different plugin versions are different types, so a script
    /// version finds exactly the objects of the plugin versions it was compiled against; each route
    /// set also carries its own table (<see cref="ScriptEnvironment.Exports"/>) for a message path
    /// that resolves through the route set it runs on.
    /// </param>
    /// <param name="filters">The request filters of the message path: those of the active set only.</param>
    public PluginVersions(PluginExports published, Core.Processing.RequestFilters filters, ILogger logger)
    {
        _published = published;
        _filters = filters;
        _logger = logger;
    }

    /// <summary>The set the current scripts were compiled against.</summary>
    public IReadOnlyList<LoadedPlugin> Active => Volatile.Read(ref _active);

    /// <summary>Newly loaded versions about to be compiled against: their exports are published before any script can ask for them.</summary>
    public void Stage(IReadOnlyList<LoadedPlugin> added)
    {
        lock (_lock)
        {
            _live.AddRange(added);
            Publish();
        }
    }

    /// <summary>Staged versions the scripts did not compile against: nothing ever used them.</summary>
    public void Discard(IReadOnlyList<LoadedPlugin> added)
    {
        lock (_lock)
        {
            foreach (var plugin in added)
            {
                _live.Remove(plugin);
                PluginActivator.Unload(plugin);
            }

            Publish();
        }
    }

    /// <summary>The scripts compiled against <paramref name="set"/> were swapped in.</summary>
    public void Activate(IReadOnlyList<LoadedPlugin> set)
    {
        lock (_lock)
        {
            Volatile.Write(ref _active, set);
            _filters.Replace(set.SelectMany(p => p.Context.RequestFilters));

            // A replaced route set may have been collected between the swap and now, while its
            // plugins were still active: they are released here instead.
            foreach (var plugin in _live.Where(p => p.Holds == 0 && !set.Contains(p)).ToList())
            {
                Release(plugin);
            }
        }
    }

    /// <summary>What scripts compile and run against with <paramref name="set"/> loaded.</summary>
    public ScriptEnvironment Environment(IReadOnlyList<LoadedPlugin> set, ScriptReferenceSet baseReferences)
    {
        var references = baseReferences.WithAssemblies(set.Select(p => (p.Assembly.GetName().Name!, p.Image)));
        var assemblies = set.ToDictionary(p => p.Assembly.GetName().Name!, p => p.Assembly, StringComparer.Ordinal);
        var exports = new PluginExports();
        exports.Replace(set.SelectMany(p => p.Context.Exports));
        return new ScriptEnvironment(
            references,
            ScriptReferenceSet.Resolver(assemblies),
            exports,
            hold: () =>
            {
                foreach (var plugin in set)
                {
                    plugin.Hold();
                }
            },
            release: () => Drop(set));
    }

    /// <summary>A route-set version compiled against <paramref name="set"/> is gone.</summary>
    private void Drop(IReadOnlyList<LoadedPlugin> set)
    {
        var unheld = new List<LoadedPlugin>();
        foreach (var plugin in set)
        {
            if (plugin.Drop())
            {
                unheld.Add(plugin);
            }
        }

        if (unheld.Count == 0)
        {
            return;
        }

        lock (_lock)
        {
            foreach (var plugin in unheld.Where(p => p.Holds == 0 && !_active.Contains(p)))
            {
                Release(plugin);
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var plugin in _live)
            {
                PluginActivator.Unload(plugin);
            }

            _live.Clear();
            Volatile.Write(ref _active, []);
            _filters.Replace([]);
            Publish();
        }
    }

    private void Release(LoadedPlugin plugin)
    {
        if (!_live.Remove(plugin))
        {
            return;
        }

        PluginActivator.Unload(plugin);
        Publish();
        LogReleased(_logger, plugin.Name, plugin.Version);
    }

    /// <summary>Oldest first, so for a key that two versions export (a shared type) the newest wins.</summary>
    private void Publish()
    {
        var union = new Dictionary<Type, object>();
        foreach (var (type, instance) in _live.SelectMany(p => p.Context.Exports))
        {
            union[type] = instance;
        }

        _published.Replace(union);
    }

    [LoggerMessage(EventId = 6005, Level = LogLevel.Information, Message = "Plugin {Name} {Version} released: no script version compiled against it is left; its services are stopped and its context unloaded")]
    private static partial void LogReleased(ILogger logger, string name, string version);
}
