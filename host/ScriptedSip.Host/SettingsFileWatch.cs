using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;

namespace ScriptedSip.Host;

/// <summary>
/// Owns the file provider that watches hostsettings.json (plugins take changes of their own sections
/// from it) and disposes it — and so its file watcher — with the host: the configuration system
/// does not dispose a provider it was given.
/// </summary>
internal sealed class SettingsFileWatch(PhysicalFileProvider provider) : IHostedService, IDisposable
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => provider.Dispose();
}
