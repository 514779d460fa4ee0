using System.Reflection;
using ScriptedSip.Core.Plugins;

namespace ScriptedSip.Scripting;

/// <summary>
/// What one route-set version compiles and runs against besides its own scripts: the metadata
/// references (framework, SDK, plugin assemblies), how its load context finds the plugin
/// assemblies at run time, and the objects those plugins exported. A version keeps the
/// environment it was compiled with for its whole life, so a message never sees exports of a
/// plugin set its scripts were not compiled against.
/// </summary>
/// <remarks>
/// Every version that takes an environment into service holds it once and releases it once when
/// that version is gone (replaced, and no message runs on it any more). The owner of the plugins counts these
/// holds per plugin version; an environment without plugins has nothing to count.
/// </remarks>
public sealed class ScriptEnvironment
{
    private readonly Action? _hold;
    private readonly Action? _release;

    public ScriptEnvironment(
        ScriptReferenceSet references,
        Func<AssemblyName, Assembly?>? shared,
        PluginExports exports,
        Action? hold = null,
        Action? release = null)
    {
        ArgumentNullException.ThrowIfNull(references);
        ArgumentNullException.ThrowIfNull(exports);
        References = references;
        Shared = shared;
        Exports = exports;
        _hold = hold;
        _release = release;
    }

    public ScriptReferenceSet References { get; }

    /// <summary>Resolves assemblies that live in other load contexts (the plugins') for the scripts' context.</summary>
    public Func<AssemblyName, Assembly?>? Shared { get; }

    /// <summary>The exports of exactly the plugins <see cref="References"/> holds.</summary>
    public PluginExports Exports { get; }

    /// <summary>Only the framework and the SDK: no plugin to export anything or to hold.</summary>
    public static ScriptEnvironment WithoutPlugins(ScriptReferenceSet references) => new(references, null, new PluginExports());

    /// <summary>A route-set version compiled against this environment goes into service.</summary>
    internal void Hold() => _hold?.Invoke();

    /// <summary>A version that held this environment is gone: replaced, and no message runs on it any more.</summary>
    internal void Release() => _release?.Invoke();
}
