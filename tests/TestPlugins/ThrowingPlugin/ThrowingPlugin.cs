using ScriptedSip.Sdk.Plugins;

namespace TestPlugins;

/// <summary>A plugin whose background service throws when it starts.</summary>
public sealed class ThrowingPlugin : IScriptedSipPlugin
{
    public string Name => "Throwing";

    public void Configure(IPluginContext context) => context.AddService(new FailingService());

    private sealed class FailingService : IPluginService
    {
        public Task StartAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("the database is not there");

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
