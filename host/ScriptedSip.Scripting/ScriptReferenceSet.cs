using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Scripting;

/// <summary>
/// The metadata references every script compiles against: the whole shared framework, the SDK,
/// and the loaded plugin assemblies. Built once and reused by every compile — re-reading ~170
/// framework assemblies per compile is what makes naive reload loops grow their memory.
/// </summary>
public sealed class ScriptReferenceSet
{
    private ScriptReferenceSet(ImmutableArray<MetadataReference> references, string fingerprint)
    {
        References = references;
        Fingerprint = fingerprint;
    }

    public ImmutableArray<MetadataReference> References { get; }

    /// <summary>Identifies this set of references for the compile cache key.</summary>
    public string Fingerprint { get; }

    public static ScriptReferenceSet CreateDefault(IEnumerable<Assembly>? extraAssemblies = null)
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
        foreach (var assembly in extraAssemblies ?? [])
        {
            if (!string.IsNullOrEmpty(assembly.Location))
            {
                paths.Add(assembly.Location);
            }
        }

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
}
