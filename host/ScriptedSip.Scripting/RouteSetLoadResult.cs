using ScriptedSip.Core.Routing;

namespace ScriptedSip.Scripting;

/// <summary>The outcome of loading the scripts folder: a route set, or every error found.</summary>
public sealed class RouteSetLoadResult
{
    internal RouteSetLoadResult(IRouteSet? routes, IReadOnlyList<string> errors, int compiled, int fromCache)
    {
        Routes = routes;
        Errors = errors;
        Compiled = compiled;
        FromCache = fromCache;
    }

    public IRouteSet? Routes { get; }

    public IReadOnlyList<string> Errors { get; }

    public bool Success => Routes is not null;

    /// <summary>Routes compiled by Roslyn in this load.</summary>
    public int Compiled { get; }

    /// <summary>Routes taken from the compile cache.</summary>
    public int FromCache { get; }
}
