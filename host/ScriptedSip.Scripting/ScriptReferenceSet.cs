using System.Collections.Immutable;
using System.Reflection;
using System.Security.Cryptography;
using Microsoft.CodeAnalysis;
using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Scripting;

/// <summary>
/// The metadata references every script compiles against: the whole shared framework, the SDK,
/// and the loaded plugin assemblies. The framework part is read once and shared by every set —
/// re-reading ~170 framework assemblies per compile is what makes naive reload loops grow their
/// memory; plugins are added from their in-memory images.
/// </summary>
public sealed class ScriptReferenceSet
{
    private ScriptReferenceSet(ImmutableArray<MetadataReference> references, string fingerprint)
    {
        References = references;
        Fingerprint = fingerprint;
    }

    public ImmutableArray<MetadataReference> References { get; }

    /// <summary>
    /// Identifies this set of references for the compile cache key: the framework and SDK files,
    /// and the name and full SHA-256 of every plugin assembly — a route compiled against one plugin
    /// set is never taken from the cache for another.
    /// </summary>
    public string Fingerprint { get; }

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
        var builder = ImmutableArray.CreateBuilder<MetadataReference>(paths.Count);
        var fingerprint = new System.Text.StringBuilder();
        foreach (var path in paths)
        {
            try
            {
                builder.Add(MetadataReference.CreateFromFile(path));
                fingerprint.Append(Path.GetFileName(path)).Append('@').Append(File.GetLastWriteTimeUtc(path).Ticks).Append(';');
            }
            catch (BadImageFormatException)
            {
                // A native library listed among the platform assemblies: not a reference.
            }
        }

        fingerprint.Append(typeof(RouteGlobals).Assembly.ManifestModule.ModuleVersionId);
        return new ScriptReferenceSet(builder.ToImmutable(), fingerprint.ToString());
    }

    /// <summary>This set plus plugin assemblies given as images (plugins load from memory, so they have no file to reference).</summary>
    public ScriptReferenceSet WithAssemblies(IEnumerable<(string Name, byte[] Image)> assemblies)
    {
        ArgumentNullException.ThrowIfNull(assemblies);
        var builder = References.ToBuilder();
        var fingerprint = new System.Text.StringBuilder(Fingerprint);
        foreach (var (name, image) in assemblies.OrderBy(a => a.Name, StringComparer.Ordinal))
        {
            builder.Add(MetadataReference.CreateFromImage(image, filePath: name + ".dll"));
            fingerprint.Append(';').Append(name).Append('#').Append(Convert.ToHexString(SHA256.HashData(image)));
        }

        return new ScriptReferenceSet(builder.ToImmutable(), fingerprint.ToString());
    }

    /// <summary>The loaded assemblies a set of images stands for, by simple name (for the scripts' load context).</summary>
    public static Func<AssemblyName, Assembly?> Resolver(IReadOnlyDictionary<string, Assembly> assemblies) =>
        name => name.Name is not null && assemblies.TryGetValue(name.Name, out var assembly) ? assembly : null;
}
