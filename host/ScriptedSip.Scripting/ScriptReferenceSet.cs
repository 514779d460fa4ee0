using System.Collections.Immutable;
using System.Reflection;
using System.Security.Cryptography;
using Microsoft.CodeAnalysis;
using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Scripting;

/// <summary>
/// The metadata references every script compiles against: the whole shared framework, the SDK,
/// and the loaded plugin assemblies. The set itself is only names: the framework's metadata
/// (~170 assemblies, about 45 MB of native memory) is read when a compile needs it and freed when
/// the last compile that uses it ends (<see cref="Acquire"/>), so a server that loaded its routes
/// from the compile cache, or finished compiling them, does not carry it.
/// </summary>
public sealed class ScriptReferenceSet
{
    private readonly FrameworkMetadata _framework;
    private readonly ImmutableArray<(string Name, byte[] Image)> _plugins;

    private ScriptReferenceSet(FrameworkMetadata framework, ImmutableArray<(string Name, byte[] Image)> plugins, string fingerprint)
    {
        _framework = framework;
        _plugins = plugins;
        Fingerprint = fingerprint;
    }

    /// <summary>
    /// Identifies this set of references for the compile cache key: the framework and SDK files,
    /// and the name and full SHA-256 of every plugin assembly — a route compiled against one plugin
    /// set is never taken from the cache for another.
    /// </summary>
    public string Fingerprint { get; }

    /// <summary>The plugin assemblies of this set, by name, as images.</summary>
    public IReadOnlyList<(string Name, byte[] Image)> Plugins => _plugins;

    public static ScriptReferenceSet CreateDefault()
    {
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        var runtimeDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        if (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string tpa)
        {
            foreach (var path in tpa.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                // Only the shared framework: the host's own dependencies (Roslyn, NLog ...) stay private.
                if (string.Equals(Path.GetDirectoryName(path), runtimeDir, StringComparison.Ordinal))
                {
                    paths.Add(path);
                }
            }
        }

        paths.Add(typeof(RouteGlobals).Assembly.Location);
        paths.Add(typeof(Microsoft.Extensions.Logging.ILogger).Assembly.Location);
        var fingerprint = new System.Text.StringBuilder();
        foreach (var path in paths)
        {
            fingerprint.Append(Path.GetFileName(path)).Append('@').Append(File.GetLastWriteTimeUtc(path).Ticks).Append(';');
        }

        fingerprint.Append(typeof(RouteGlobals).Assembly.ManifestModule.ModuleVersionId);
        return new ScriptReferenceSet(new FrameworkMetadata([.. paths]), [], fingerprint.ToString());
    }

    /// <summary>This set plus plugin assemblies given as images (plugins load from memory, so they have no file to reference).</summary>
    public ScriptReferenceSet WithAssemblies(IEnumerable<(string Name, byte[] Image)> assemblies)
    {
        ArgumentNullException.ThrowIfNull(assemblies);
        var plugins = _plugins.ToBuilder();
        var fingerprint = new System.Text.StringBuilder(Fingerprint);
        foreach (var (name, image) in assemblies.OrderBy(a => a.Name, StringComparer.Ordinal))
        {
            plugins.Add((name, image));
            fingerprint.Append(';').Append(name).Append('#').Append(Convert.ToHexString(SHA256.HashData(image)));
        }

        return new ScriptReferenceSet(_framework, plugins.ToImmutable(), fingerprint.ToString());
    }

    /// <summary>
    /// The references, readable until the returned lease is disposed. Concurrent leases share one
    /// copy of the framework's metadata; the last one to end frees it.
    /// </summary>
    public ReferenceLease Acquire()
    {
        var framework = _framework.Acquire();
        var builder = ImmutableArray.CreateBuilder<MetadataReference>(framework.Length + _plugins.Length);
        builder.AddRange(framework);
        foreach (var (name, image) in _plugins)
        {
            builder.Add(MetadataReference.CreateFromImage(image, filePath: name + ".dll"));
        }

        return new ReferenceLease(builder.MoveToImmutable(), _framework);
    }

    /// <summary>How many times the framework metadata was read, and whether a compile holds it now.</summary>
    internal (int Reads, bool Held) FrameworkState => (_framework.Reads, _framework.Held);

    /// <summary>The loaded assemblies a set of images stands for, by simple name (for the scripts' load context).</summary>
    public static Func<AssemblyName, Assembly?> Resolver(IReadOnlyDictionary<string, Assembly> assemblies) =>
        name => name.Name is not null && assemblies.TryGetValue(name.Name, out var assembly) ? assembly : null;
}
