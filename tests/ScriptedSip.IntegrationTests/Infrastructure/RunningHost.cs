using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NLog.Targets;
using ScriptedSip.Core.Processing;
using ScriptedSip.Core.Stats;
using ScriptedSip.Host;
using ScriptedSip.Scripting;

namespace ScriptedSip.IntegrationTests.Infrastructure;

/// <summary>The real host, started in this process on an ephemeral loopback port.</summary>
public sealed class RunningHost : IAsyncDisposable
{
    private RunningHost(IHost host, TestDeployment deployment)
    {
        Host = host;
        Deployment = deployment;
        Server = host.Services.GetRequiredService<SipServer>();
    }

    public IHost Host { get; }

    public TestDeployment Deployment { get; }

    public SipServer Server { get; }

    public IPEndPoint EndPoint => Server.Listeners[0].LocalEndPoint;

    public SipCounters Counters => Server.Counters;

    public ScriptRuntime Scripts => Host.Services.GetRequiredService<ScriptRuntime>();

    public ScriptedSip.Host.Plugins.PluginCatalog Plugins => Host.Services.GetRequiredService<ScriptedSip.Host.Plugins.PluginCatalog>();

    public System.Collections.Concurrent.ConcurrentDictionary<string, object?> Shv =>
        Host.Services.GetRequiredService<SharedVariables>().Values;

    public static Task<RunningHost> StartAsync(TestDeployment deployment, params string[] extraArgs) => StartAsync(deployment, null, extraArgs);

    /// <summary>Starts the host on <paramref name="time"/> (a fake clock: every timer of the server fires only when the test advances it).</summary>
    public static async Task<RunningHost> StartAsync(TestDeployment deployment, TimeProvider? time, params string[] extraArgs)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        var errors = new StringWriter();
        // Many hosts run in parallel here: the management endpoint's fixed default port would collide,
        // so it is off unless the test asks for it.
        var managementOff = extraArgs.Any(a => a.StartsWith("--Management:Urls", StringComparison.OrdinalIgnoreCase)) ? [] : new[] { "--Management:Urls=" };
        // Hosts of parallel tests share one NLog configuration: an identical warning of another test
        // must not be held back here, so the repeated-line limit is off unless the test asks for it.
        var repeatOff = extraArgs.Any(a => a.StartsWith("--Logging:RepeatLimitMs", StringComparison.OrdinalIgnoreCase)) ? [] : new[] { "--Logging:RepeatLimitMs=0" };
        string[] args = ["--contentRoot", deployment.Root, .. managementOff, .. repeatOff, .. extraArgs];
        var (host, exitCode) = time is null
            ? ScriptedSipApplication.Build(args, errors)
            : ScriptedSipApplication.Build(args, errors, services => services.AddSingleton<TimeProvider>(time!));
        if (host is null)
        {
            throw new InvalidOperationException($"host did not build (exit {exitCode}): {errors}");
        }

        var load = host.Services.GetRequiredService<ScriptedSip.Host.Plugins.PluginCatalog>().Apply();
        if (!load.Success)
        {
            host.Dispose();
            throw new InvalidOperationException("scripts did not load: " + string.Join(Environment.NewLine, load.Errors));
        }

        await host.StartAsync().ConfigureAwait(false);
        return new RunningHost(host, deployment);
    }

    /// <summary>Log lines written so far (the memory target of the test settings).</summary>
    public static IReadOnlyList<string> Logs()
    {
        var target = NLog.LogManager.Configuration?.FindTargetByName<MemoryTarget>(TestDeployment.MemoryTargetName);
        if (target is null)
        {
            return [];
        }

        // The target appends under NLog's own lock, which a reader cannot take: a copy that races an
        // append fails (the list grew between its count and its copy) and is simply made again.
        while (true)
        {
            try
            {
                return [.. target.Logs];
            }
            catch (Exception error) when (error is ArgumentException or InvalidOperationException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync().ConfigureAwait(false);
        Host.Dispose();
    }
}
