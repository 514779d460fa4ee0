namespace ScriptedSip.Sdk.Plugins;

/// <summary>A plugin's background work, started after the plugin loads and stopped before it unloads.</summary>
public interface IPluginService
{
    /// <summary>Starts the work; called once, right after the plugin's Configure, and waited for.</summary>
    /// <param name="cancellationToken">A token for the start; the host does not cancel it today.</param>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>Stops the work; called once, before the plugin unloads (reload, removal, host stop), and waited for.</summary>
    /// <param name="cancellationToken">A token for the stop; the host does not cancel it today.</param>
    Task StopAsync(CancellationToken cancellationToken);
}
