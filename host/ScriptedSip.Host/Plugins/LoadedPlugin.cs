using System.Reflection;
using McMaster.NETCore.Plugins;
using ScriptedSip.Sdk.Plugins;

namespace ScriptedSip.Host.Plugins;

/// <summary>One plugin loaded into its own collectible load context, with what it exported and started.</summary>
internal sealed class LoadedPlugin
{
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

    public string FileHash { get; }

    public PluginLoader Loader { get; }

    public Assembly Assembly { get; }

    /// <summary>The DLL's bytes: scripts compile against them (the plugin is loaded from memory, so there is no file to point at).</summary>
    public byte[] Image { get; }

    public IScriptedSipPlugin Instance { get; }

    public PluginContext Context { get; }
}
