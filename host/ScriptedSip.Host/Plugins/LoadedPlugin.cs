using System.Reflection;
using McMaster.NETCore.Plugins;
using ScriptedSip.Sdk.Plugins;

namespace ScriptedSip.Host.Plugins;

/// <summary>
/// One plugin version loaded into its own collectible context, with what it exported and started,
/// and how many route-set versions compiled against it are still alive.
/// </summary>
internal sealed class LoadedPlugin
{
    private int _holds;

    public LoadedPlugin(string folderName, string fileHash, PluginLoader loader, Assembly assembly, byte[] image, IScriptedSipPlugin instance, PluginContext context)
    {
        FolderName = folderName;
        FileHash = fileHash;
        Loader = loader;
        Assembly = assembly;
        Image = image;
        Instance = instance;
        Context = context;
    }

    public string FolderName { get; }

    public string Name => Instance.Name;

    public string Version => Assembly.GetName().Version?.ToString() ?? "?";

    /// <summary>SHA-256 of the DLL: tells an unchanged plugin from a replaced one, and keys the compile cache.</summary>
    public string FileHash { get; }

    public PluginLoader Loader { get; }

    public Assembly Assembly { get; }

    /// <summary>The DLL's bytes: scripts compile against them (the plugin is loaded from memory, so there is no file to point at).</summary>
    public byte[] Image { get; }

    public IScriptedSipPlugin Instance { get; }

    public PluginContext Context { get; }

    /// <summary>Route-set versions compiled against this plugin version that are not gone yet.</summary>
    public int Holds => Volatile.Read(ref _holds);

    public void Hold() => Interlocked.Increment(ref _holds);

    /// <summary>True when that was the last hold.</summary>
    public bool Drop() => Interlocked.Decrement(ref _holds) == 0;
}
