using System.Collections.Frozen;
using ScriptedSip.Core.Plugins;
using ScriptedSip.Core.Routing;

namespace ScriptedSip.Scripting;

/// <summary>
/// One compiled version of every route, living in its own collectible load context, with the
/// environment (plugin references and exports) it was compiled against.
/// </summary>
internal sealed class LoadedRouteSet : IRouteSet
{
    private readonly FrozenDictionary<string, LoadedRoute> _routes;
    private volatile FoundRoute[] _found = [];

    public LoadedRouteSet(int version, IReadOnlyDictionary<string, LoadedRoute> routes, ScriptLoadContext context, ScriptEnvironment environment)
    {
        Version = version;
        _routes = routes.ToFrozenDictionary(StringComparer.Ordinal);
        Context = context;
        Environment = environment;
        RequestRoute = _routes[RouteNames.Request].Entry;
        ReplyRoute = _routes.TryGetValue(RouteNames.Reply, out var reply) ? reply.Entry : null;
    }

    public int Version { get; }

    public RouteEntry RequestRoute { get; }

    public RouteEntry? ReplyRoute { get; }

    public ScriptLoadContext Context { get; }

    public ScriptEnvironment Environment { get; }

    public PluginExports Exports => Environment.Exports;

    public IEnumerable<string> Names => _routes.Keys;

    public RouteEntry? Find(string name)
    {
        // The callers name routes with strings they keep (the configured non-SIP route, a script's
        // literal failure or reply route), so answers are found again by reference, without hashing:
        // a keep-alive flood runs the same route for every datagram. Copied on write, a few names.
        var found = _found;
        foreach (var known in found)
        {
            if (ReferenceEquals(known.Name, name))
            {
                return known.Entry;
            }
        }

        var entry = _routes.TryGetValue(name, out var route) || _routes.TryGetValue(RouteNames.Normalize(name), out route) ? route.Entry : null;
        if (found.Length < 8)
        {
            _found = [.. found, new FoundRoute(name, entry)]; // a lost race only drops one entry
        }

        return entry;
    }

    public string? SourcePath(string name) => _routes.TryGetValue(name, out var route) ? route.SourcePath : null;
}

internal sealed record LoadedRoute(string Name, string SourcePath, RouteEntry Entry);

internal sealed record FoundRoute(string Name, RouteEntry? Entry);
