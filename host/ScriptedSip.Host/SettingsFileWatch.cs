using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScriptedSip.Sdk.Plugins;

namespace ScriptedSip.Host;

/// <summary>
/// Watches hostsettings.json — that one file, not the content root's tree (a recursive watch put an
/// inotify watch on every folder below the content root, over a thousand in a source checkout, and
/// took a noticeable part of the start-up) — and reloads the configuration after the writes have
/// settled, so plugins take their own section's changes (IPluginContext.OnOptionsChanged). A file
/// that does not parse leaves the previous settings in force, with a warning.
/// </summary>
internal sealed partial class SettingsFileWatch(IConfigurationRoot configuration, string folder, ILogger<SettingsFileWatch> logger) : IHostedService, IDisposable
{
    // Editors save in several writes or through a temp file and a rename: one reload per burst.
    private readonly FileChangeWatcher _watcher = new(Path.Combine(folder, ScriptedSipApplication.SettingsFile), () => Reload(configuration, logger), TimeSpan.FromMilliseconds(250), TimeProvider.System);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _watcher.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _watcher.Dispose();

    private static void Reload(IConfigurationRoot configuration, ILogger logger)
    {
        try
        {
            configuration.Reload();
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or IOException or UnauthorizedAccessException)
        {
            LogNotReloaded(logger, ScriptedSipApplication.SettingsFile, ex.Message);
        }
    }

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning, Message = "{File} changed but cannot be read ({Reason}); the previous settings stay in force")]
    private static partial void LogNotReloaded(ILogger logger, string file, string reason);
}
