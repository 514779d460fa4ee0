using ScriptedSip.Sdk.Plugins;

namespace ScriptedSip.Plugins.Auth;

/// <summary>Kamailio's auth module as a plugin: digest challenges and checks for scripts.</summary>
public sealed class AuthPlugin : IScriptedSipPlugin
{
    public string Name => "Auth";

    public void Configure(IPluginContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = context.GetOptions<AuthOptions>(AuthOptions.Validate);
        var secret = NonceService.LoadOrCreateSecret(options.DataPath.Length == 0 ? null : Path.GetFullPath(options.DataPath, context.ContentRoot));
        var nonces = new NonceService(secret, context.Time, TimeSpan.FromSeconds(options.NonceExpiresSeconds));
        var failures = new FailureLimiter(context.Time, options.MaxFailures, TimeSpan.FromSeconds(options.FailureWindowSeconds));
        context.Export(new Auth(options, nonces, failures, context.Logger));
        context.AddService(new AuthSweeper(failures, context.Time));
    }
}

/// <summary>Forgets ended failure windows once a minute (nonce counts live in a table of fixed size: nothing to sweep).</summary>
internal sealed class AuthSweeper(FailureLimiter failures, TimeProvider time) : IPluginService
{
    private ITimer? _timer;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _timer = time.CreateTimer(
            _ => failures.Sweep(),
            null,
            TimeSpan.FromMinutes(1),
            TimeSpan.FromMinutes(1));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        return Task.CompletedTask;
    }
}
