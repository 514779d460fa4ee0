namespace ScriptedSip.Sdk.Plugins;

/// <summary>
/// A plugin: one public class with a parameterless constructor in a DLL under
/// <c>plugins/&lt;Name&gt;/&lt;Name&gt;.dll</c>. The host creates it, calls <see cref="Configure"/>
/// once, starts the services it added, and stops them (and drops the plugin) on unload.
/// </summary>
public interface IScriptedSipPlugin
{
    /// <summary>Unique name; also the configuration section <c>Plugins:&lt;Name&gt;</c>.</summary>
    string Name { get; }

    /// <summary>Reads configuration, exports objects to scripts, adds background services. Throwing here skips the plugin.</summary>
    void Configure(IPluginContext context);
}
