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
    private readonly IRouteTreeCompiler? _elsewhere;

    /// <param name="kindOf">The route kind a script runs as, by route name (null: any, e.g. named routes).</param>
    /// <param name="elsewhere">Compiles outside this process (null: here).</param>
    public RouteSetLoader(CompiledScriptCache cache, Func<string, RouteKind?>? kindOf = null, IRouteTreeCompiler? elsewhere = null)
    {
        _cache = cache;
        _kindOf = kindOf ?? DefaultKind;
        _elsewhere = elsewhere;
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
        if (RouteFiles(scriptsDir, out var files) is { } missing)
        {
            return Failed(missing);
        }

        var treeHash = CompiledScriptCache.TreeHash(scriptsDir, references);
        IReadOnlyDictionary<string, RouteImage>? images = _cache.IsVerified(treeHash) ? AllFromCache(_cache, files, treeHash) : null;
        var compiled = 0;
        var fromCache = files.Length;
        if (images is null)
        {
            var result = _elsewhere is null
                ? CompileHere(files, treeHash, references, cancellationToken)
                : CompileElsewhere(scriptsDir, files, treeHash, references, cancellationToken);
            if (result.Errors.Count > 0)
            {
                return new RouteSetLoadResult(null, result.Errors, result.Compiled, result.FromCache);
            }

            (images, compiled, fromCache) = (result.Images, result.Compiled, result.FromCache);
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

    /// <summary>
    /// The compiling side of <see cref="IRouteTreeCompiler"/>: checks and compiles the tree into this
    /// loader's cache (marked verified when every route compiled), without loading anything.
    /// </summary>
    /// <param name="expectedTreeHash">The requester's key for the tree; a different one here is an error (the two would not find each other's entries).</param>
    public (IReadOnlyList<string> Errors, int Compiled) CompileTree(string scriptsDir, string expectedTreeHash, ScriptReferenceSet references, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(references);
        scriptsDir = Path.GetFullPath(scriptsDir);
        if (RouteFiles(scriptsDir, out var files) is { } missing)
        {
            return ([missing], 0);
        }

        var treeHash = CompiledScriptCache.TreeHash(scriptsDir, references);
        if (!string.Equals(treeHash, expectedTreeHash, StringComparison.Ordinal))
        {
            return ([$"{scriptsDir}: error: the script compiler process sees other scripts or references than the server (the files changed meanwhile, or the two are different builds)"], 0);
        }

        var result = CompileHere(files, treeHash, references, cancellationToken);
        return (result.Errors, result.Compiled);
    }

    /// <summary>The route files of a folder (sorted), or the error why it has none to load.</summary>
    private static string? RouteFiles(string scriptsDir, out string[] files)
    {
        files = [];
        if (!Directory.Exists(scriptsDir))
        {
            return $"{scriptsDir}: error: the scripts folder does not exist (Scripts:Path)";
        }

        files = Directory.GetFiles(scriptsDir, "*.csx", SearchOption.TopDirectoryOnly).Order(StringComparer.Ordinal).ToArray();
        return files.Any(f => RouteName(f) == RouteNames.Request)
            ? null
            : $"{Path.Combine(scriptsDir, RouteNames.Request + ".csx")}: error: request_route.csx is required: it runs for every SIP request";
    }

    private CompileOutcome CompileHere(string[] files, string treeHash, ScriptReferenceSet references, CancellationToken cancellationToken)
    {
        var result = Compile(files, treeHash, references, cancellationToken);
        if (result.Errors.Count == 0)
        {
            _cache.MarkVerified(treeHash);
        }

        return result;
    }

    /// <summary>
    /// Has the tree compiled elsewhere, takes the routes from the folder the compiler wrote and
    /// keeps them in this loader's cache (so the next start with the same tree compiles nothing).
    /// </summary>
    private CompileOutcome CompileElsewhere(string scriptsDir, string[] files, string treeHash, ScriptReferenceSet references, CancellationToken cancellationToken)
    {
        var kinds = files.Select(RouteName).ToDictionary(n => n, _kindOf, StringComparer.Ordinal);
        var result = _elsewhere!.Compile(new RouteTreeRequest(scriptsDir, treeHash, kinds, references.Plugins), cancellationToken);
        try
        {
            if (result.Errors.Count > 0)
            {
                return new CompileOutcome(new Dictionary<string, RouteImage>(), result.Errors, result.Compiled, 0);
            }

            var written = result.CacheDirectory is { } folder ? new CompiledScriptCache(folder) : null;
            if (written is null || !written.IsVerified(treeHash) || AllFromCache(written, files, treeHash) is not { } images)
            {
                return new CompileOutcome(new Dictionary<string, RouteImage>(), [$"{scriptsDir}: error: the script compiler process ended without writing every route"], result.Compiled, 0);
            }

            foreach (var file in files)
            {
                _cache.Write(CompiledScriptCache.RouteKey(treeHash, RouteName(file), file), images[file]);
            }

            _cache.MarkVerified(treeHash);
            return new CompileOutcome(images, [], result.Compiled, 0);
        }
        finally
        {
            DeleteQuietly(result.CacheDirectory);
        }
    }

    private static void DeleteQuietly(string? folder)
    {
        try
        {
            if (folder is not null && Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException)
        {
            // A temporary folder left behind costs disk only.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Every route of a tree that loaded before, from a cache; null when one is missing.</summary>
    private static Dictionary<string, RouteImage>? AllFromCache(CompiledScriptCache cache, string[] files, string treeHash)
    {
        var images = new Dictionary<string, RouteImage>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            if (cache.TryRead(CompiledScriptCache.RouteKey(treeHash, RouteName(file), file)) is not { } image)
            {
                return null;
            }

            images[file] = image;
        }

        return images;
    }

    /// <summary>
    /// Checks the route graph (read from the scripts' syntax) and compiles every route the cache
    /// does not hold, in parallel.
    /// </summary>
    private CompileOutcome Compile(string[] files, string treeHash, ScriptReferenceSet references, CancellationToken cancellationToken)
    {
        // Route names and reachable kinds come from the whole folder, before any compile.
        var (graphErrors, kinds) = RouteGraph.Analyze(files, _kindOf);
        var images = new ConcurrentDictionary<string, RouteImage>(StringComparer.Ordinal);
        var errors = new ConcurrentBag<(string File, IReadOnlyList<string> Errors)>();
        var compiled = 0;
        var fromCache = 0;

        // One read of the framework metadata for every compile of this load, taken at the first
        // route the cache does not hold and freed when the load ends.
        var lease = new Lazy<ReferenceLease>(references.Acquire, LazyThreadSafetyMode.ExecutionAndPublication);
        try
        {
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
                        _ = lease.Value;
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
        }
        finally
        {
            if (lease.IsValueCreated)
            {
                lease.Value.Dispose();
            }
        }

        var all = graphErrors.Concat(errors.OrderBy(e => e.File, StringComparer.Ordinal).SelectMany(e => e.Errors)).ToList();
        return new CompileOutcome(images, all, compiled, fromCache);
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

        // Slot 0 holds the globals, slot 1 the submission instance the factory creates. The submission
        // reads both in its constructor and keeps neither the array nor a reference to it, so one
        // array per thread serves every run (a route that runs another route on the same thread
        // fills it again after the outer constructor is done with it).
        return globals =>
        {
            var slots = t_submissionSlots ??= new object?[2];
            slots[0] = globals;
            try
            {
                return factory(slots);
            }
            finally
            {
                slots[0] = null; // keeps no message alive
                slots[1] = null;
            }
        };
    }

    [ThreadStatic]
    private static object?[]? t_submissionSlots;

    private sealed record CompileOutcome(IReadOnlyDictionary<string, RouteImage> Images, IReadOnlyList<string> Errors, int Compiled, int FromCache);

    private static RouteSetLoadResult Failed(string error) => new(null, [error], 0, 0);
}
