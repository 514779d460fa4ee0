using System.Collections.Concurrent;
using System.Reflection;
using ScriptedSip.Core.Routing;
using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Scripting;

/// <summary>
/// Turns the scripts folder into a route set: every top-level <c>*.csx</c> is a route named after
/// its file; sub-folders hold #load helpers. All or nothing: one broken script fails the load and
/// every error is reported.
/// </summary>
public sealed class RouteSetLoader
{
    private readonly CompiledScriptCache _cache;
    private readonly Func<string, RouteKind?> _kindOf;

    /// <param name="kindOf">The route kind a script runs as, by route name (null: any, e.g. named routes).</param>
    public RouteSetLoader(CompiledScriptCache cache, Func<string, RouteKind?>? kindOf = null)
    {
        _cache = cache;
        _kindOf = kindOf ?? DefaultKind;
    }

    public static RouteKind? DefaultKind(string route) => route switch
    {
        RouteNames.Request => RouteKind.Request,
        RouteNames.Reply => RouteKind.Reply,
        RouteNames.NoSipDefault => RouteKind.Event,
        _ => null,
    };

    public RouteSetLoadResult Load(
        string scriptsDir,
        int version,
        ScriptEnvironment environment,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var references = environment.References;
        scriptsDir = Path.GetFullPath(scriptsDir);
        if (!Directory.Exists(scriptsDir))
        {
            return Failed($"{scriptsDir}: error: the scripts folder does not exist (Scripts:Path)");
        }

        var files = Directory.GetFiles(scriptsDir, "*.csx", SearchOption.TopDirectoryOnly).Order(StringComparer.Ordinal).ToArray();
        if (!files.Any(f => RouteName(f) == RouteNames.Request))
        {
            return Failed($"{Path.Combine(scriptsDir, RouteNames.Request + ".csx")}: error: request_route.csx is required: it runs for every SIP request");
        }

        // Route names and reachable kinds come from the whole folder, before any compile.
        var (graphErrors, kinds) = RouteGraph.Analyze(files, _kindOf);
        var treeHash = CompiledScriptCache.TreeHash(scriptsDir, references);
        var images = new ConcurrentDictionary<string, RouteImage>(StringComparer.Ordinal);
        var errors = new ConcurrentBag<(string File, IReadOnlyList<string> Errors)>();
        var compiled = 0;
        var fromCache = 0;
        Parallel.ForEach(
            files,
            new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
            file =>
            {
                var name = RouteName(file);
                var key = CompiledScriptCache.RouteKey(treeHash, name, file);
                var image = _cache.TryRead(key);
                if (image is not null)
                {
                    Interlocked.Increment(ref fromCache);
                    images[file] = image;
                    return;
                }

                RouteCompileResult result;
                try
                {
                    result = RouteCompiler.Compile(file, $"route_{name}_{key[..12]}", references, [.. kinds[name]], cancellationToken);
                }
                catch (IOException ex)
                {
                    result = RouteCompileResult.Failed([$"{file}: error: cannot read the script: {ex.Message}"]);
                }

                Interlocked.Increment(ref compiled);
                if (result.Image is { } built)
                {
                    images[file] = built;
                    _cache.Write(key, built);
                }
                else
                {
                    errors.Add((file, result.Errors));
                }
            });

        if (!errors.IsEmpty || graphErrors.Count > 0)
        {
            var all = graphErrors.Concat(errors.OrderBy(e => e.File, StringComparer.Ordinal).SelectMany(e => e.Errors)).ToList();
            return new RouteSetLoadResult(null, all, compiled, fromCache);
        }

        var privateAssemblies = images.Values.SelectMany(i => i.ReferencedFiles).Distinct(StringComparer.Ordinal);
        var context = new ScriptLoadContext($"routes-v{version}", privateAssemblies, environment.Shared);
        var routes = new Dictionary<string, LoadedRoute>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var name = RouteName(file);
            routes[name] = new LoadedRoute(name, file, Bind(context, images[file]));
        }

        return new RouteSetLoadResult(new LoadedRouteSet(version, routes, context, environment), [], compiled, fromCache);
    }

    /// <summary>The route name of a script file: its file name without the extension.</summary>
    public static string RouteName(string file) => Path.GetFileNameWithoutExtension(file);

    private static RouteEntry Bind(ScriptLoadContext context, RouteImage image)
    {
        using var pe = new MemoryStream(image.Assembly, writable: false);
        using var pdb = new MemoryStream(image.Pdb, writable: false);
        var assembly = context.LoadFromStream(pe, pdb);
        var type = assembly.GetType(RouteCompiler.EntryTypeName, throwOnError: true)!;
        var method = type.GetMethod(RouteCompiler.EntryMethodName, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            ?? throw new InvalidOperationException($"{assembly.GetName().Name}: no script entry point");
        var factory = method.CreateDelegate<Func<object?[], Task<object?>>>();

        // Slot 0 holds the globals, slot 1 the submission instance the factory creates.
        return globals => factory([globals, null]);
    }

    private static RouteSetLoadResult Failed(string error) => new(null, [error], 0, 0);
}
