namespace ScriptedSip.Sdk.Plugins;

/// <summary>A plugin's background work, started after the plugin loads and stopped before it unloads.</summary>
public interface IPluginService
{
    Task StartAsync(CancellationToken cancellationToken);

    Task StopAsync(CancellationToken cancellationToken);
}
