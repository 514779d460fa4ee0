using System.Reflection;
using System.Runtime.Loader;

namespace ScriptedSip.Scripting;

/// <summary>
/// A collectible load context holding one version of the compiled routes. The SDK and framework
/// resolve from the default context (returning null defers to it), so scripts and host share the
/// globals type; assemblies a script pulled in with #r load from the scripts folder.
/// </summary>
internal sealed class ScriptLoadContext : AssemblyLoadContext
{
    private readonly Dictionary<string, string> _privateAssemblies;
    private readonly Func<AssemblyName, Assembly?>? _shared;

    /// <param name="shared">Resolves assemblies that live in other contexts, e.g. loaded plugins.</param>
    public ScriptLoadContext(string name, IEnumerable<string> privateAssemblyPaths, Func<AssemblyName, Assembly?>? shared)
        : base(name, isCollectible: true)
    {
        _shared = shared;
        _privateAssemblies = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var path in privateAssemblyPaths)
        {
            _privateAssemblies[Path.GetFileNameWithoutExtension(path)] = path;
        }
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (assemblyName.Name is not null && _privateAssemblies.TryGetValue(assemblyName.Name, out var path))
        {
            // From memory, so the file stays replaceable while this version lives.
            using var stream = new MemoryStream(File.ReadAllBytes(path));
            return LoadFromStream(stream);
        }

        return _shared?.Invoke(assemblyName);
    }
}
