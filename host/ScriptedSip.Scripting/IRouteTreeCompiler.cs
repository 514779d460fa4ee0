using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Scripting;

/// <summary>
/// Compiles a scripts folder somewhere else than in this process — the host uses a short-lived
/// child process, so Roslyn, its JIT code and the framework's metadata never stay resident in the
/// server. The result is a compile cache folder holding every route of the tree, marked verified;
/// the server copies them into its own cache (if it keeps one) and loads them from there.
/// </summary>
public interface IRouteTreeCompiler
{
    RouteTreeResult Compile(RouteTreeRequest request, CancellationToken cancellationToken);
}

/// <param name="ScriptsDirectory">The scripts folder (full path).</param>
/// <param name="TreeHash">The cache key of the tree as this process computes it; the compiler must arrive at the same one.</param>
/// <param name="Kinds">The fixed kind of each route of the folder by name (null: any).</param>
/// <param name="Plugins">The plugin assemblies the scripts compile against, as images.</param>
public sealed record RouteTreeRequest(
    string ScriptsDirectory,
    string TreeHash,
    IReadOnlyDictionary<string, RouteKind?> Kinds,
    IReadOnlyList<(string Name, byte[] Image)> Plugins);

/// <param name="Errors">Compile and load errors, as an in-process compile reports them; empty on success.</param>
/// <param name="Compiled">Routes compiled.</param>
/// <param name="CacheDirectory">A compile cache folder of its own holding the routes (null when nothing was written); the caller deletes it.</param>
public sealed record RouteTreeResult(IReadOnlyList<string> Errors, int Compiled, string? CacheDirectory);
