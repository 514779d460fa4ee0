using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;

namespace ScriptedSip.Host;

/// <summary>
/// systemd <c>Type=notify</c> through Microsoft.Extensions.Hosting.Systemd. Its lifetime sends
/// <c>READY=1</c> when the generic host raises ApplicationStarted — after every hosted service has
/// started, and the application loads the scripts and binds the listeners before the host starts,
/// so READY means "scripts loaded, every listener receiving". <c>STOPPING=1</c> goes out when the
/// stop begins (SIGTERM), before pending transactions are answered 503. <see cref="SystemdWatchdog"/>
/// adds <c>WATCHDOG=1</c> when the unit sets WatchdogSec.
/// </summary>
internal static class SystemdNotify
{
    public static void AddTo(IServiceCollection services)
    {
        // UseSystemd's own test looks for a parent process named systemd; a notify socket handed to
        // us is the signal that matters (and how a test plays systemd's part).
        var notifySocket = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        if (!SystemdHelpers.IsSystemdService() && string.IsNullOrEmpty(notifySocket))
        {
            return;
        }

        services.AddSingleton<ISystemdNotifier, SystemdNotifier>();
        services.AddSingleton<IHostLifetime, SystemdLifetime>();
        services.AddHostedService<SystemdWatchdog>();
    }
}

/// <summary>Sends <c>WATCHDOG=1</c> every half of <c>WATCHDOG_USEC</c> while the SIP listeners run (nothing when unset).</summary>
internal sealed class SystemdWatchdog : IHostedService, IDisposable
{
    private readonly ISystemdNotifier _notifier;
    private readonly SipServer _server;
    private readonly TimeProvider _time;
    private ITimer? _timer;

    public SystemdWatchdog(ISystemdNotifier notifier, SipServer server, TimeProvider time)
    {
        _notifier = notifier;
        _server = server;
        _time = time;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var text = Environment.GetEnvironmentVariable("WATCHDOG_USEC");
        if (_notifier.IsEnabled && long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var usec) && usec > 0)
        {
            var period = TimeSpan.FromMicroseconds(usec / 2.0);
            _timer = _time.CreateTimer(_ => Ping(), null, period, period);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _timer = null;
    }

    private void Ping()
    {
        if (_server.Started)
        {
            _notifier.Notify(new ServiceState("WATCHDOG=1"));
        }
    }
}
