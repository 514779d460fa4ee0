namespace ScriptedSip.Host.Configuration;

/// <summary>The <c>Plugins</c> section.</summary>
public sealed class PluginsOptions
{
    public const string Section = "Plugins";

    /// <summary>Folder with one sub-folder per plugin; relative to the content root.</summary>
    public string Path { get; set; } = "plugins";

    /// <summary>Load, reload and unload plugins when their folders change.</summary>
    public bool HotReload { get; set; } = true;
}
