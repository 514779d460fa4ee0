using System.Runtime.CompilerServices;
using Microsoft.Extensions.Time.Testing;
using ScriptedSip.Core.Routing;
using ScriptedSip.IntegrationTests.Hosting;
using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.IntegrationTests.Transactions;
using ScriptedSip.IntegrationTests.Transport;
using ScriptedSip.Scripting;

namespace ScriptedSip.IntegrationTests.Plugins;

/// <summary>
/// How long a plugin version lives: as long as the scripts on disk are compiled against it, or a
/// script version compiled against it still runs — and not a moment on a timer.
/// </summary>
[NonParallelizable]
public sealed class PluginLifetimeTests
{
    private const string CallsGreeter = "SlSendReply(200, Plugin<TestPlugins.Greeter>().Hello(\"bob\"));";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Test]
    public async Task DeletedPluginStillCalled_RefusedUntilTheScriptStops_ThenUnloaded_CallingItAgainFailsAsCheckDoes()
    {
        // With the compile cache on: it holds the route compiled against the deleted plugin.
        using var deployment = new TestDeployment(TestDeployment.DefaultSettings().Replace("\"CachePath\": \"\"", "\"CachePath\": \"cache\"", StringComparison.Ordinal))
            .WithTestPlugin("Greeter.V1", "Greeter", "Greeter")
            .WithScript("request_route.csx", CallsGreeter);
        await using var host = await RunningHost.StartAsync(deployment);
        var script = Path.Combine(deployment.ScriptsPath, "request_route.csx");

        Directory.Delete(Path.Combine(deployment.PluginsPath, "Greeter"), recursive: true);
        await UdpCoreTests.Eventually(() => PluginCollection.IndexOf("Plugin change not applied") >= 0, 10_000);
        Assert.That(host.Plugins.Names, Is.EqualTo(new[] { "Greeter" }), "the serving scripts still call it");

        File.WriteAllText(script, "SlSendReply(200, \"no greeter\");");
        await UdpCoreTests.Eventually(() => host.Scripts.Current.Version == 2, 10_000);
        Assert.That(host.Plugins.Names, Is.Empty, "once the scripts compile without it, the loaded set is the folders on disk");
        Assert.That(PluginCollection.IndexOf("Plugin Greeter unloaded"), Is.GreaterThanOrEqualTo(0));
        Assert.That(await PluginTests.AskAsync(host), Is.EqualTo("no greeter"));
        await PluginCollection.UntilAsync(host, () => PluginCollection.Released("Greeter", "1.0.0.0"));

        File.WriteAllText(script, CallsGreeter);
        await UdpCoreTests.Eventually(() => PluginCollection.IndexOf("Scripts not reloaded: version 2 keeps serving") >= 0, 10_000);
        Assert.That(host.Scripts.Current.Version, Is.EqualTo(2));
        Assert.That(await PluginTests.AskAsync(host), Is.EqualTo("no greeter"));

        var (exit, output) = await ProcessTests.RunAsync(deployment, "--check");
        Assert.That(exit, Is.EqualTo(1), output);
        Assert.That(output, Does.Contain("error CS0246").Or.Contain("error CS0234"));
    }

    [Test]
    public async Task ReplacedPlugin_KeptWhileARouteStartedOnTheOldScriptsAwaits_ReleasedWhenItEnds()
    {
        using var deployment = new TestDeployment(StatefulProxyTests.Settings("\"FrTimerMs\": 20000, \"WaitMs\": 200"))
            .WithTestPlugin("Greeter.V1", "Greeter", "Greeter")
            .WithScript("request_route.csx", """
                if (Hdr("X-Wait") == "1")
                {
                    var gate = (Task)Shv["gate"];
                    Shv["waiting"] = true;
                    await gate;
                }

                SlSendReply(200, Plugin<TestPlugins.Greeter>().Hello("bob"));
                """);
        await using var host = await RunningHost.StartAsync(deployment);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Shv["gate"] = gate.Task;
        using var waiting = new UdpPeer();
        waiting.Send(host.EndPoint, SipText.Request("MESSAGE", "sip:x@127.0.0.1", waiting.LocalEndPoint, extraHeaders: "X-Wait: 1"));
        await UdpCoreTests.Eventually(() => host.Shv.ContainsKey("waiting"));
        var old = WeakAssembly(host);

        deployment.WithTestPlugin("Greeter.V2", "Greeter", "Greeter");
        await UdpCoreTests.Eventually(() => host.Scripts.Current.Version >= 2, 10_000);
        Assert.That(await PluginTests.AskAsync(host), Is.EqualTo("hi bob"));

        // However often the collector runs, the version the waiting route started on is in use.
        for (var i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Assert.That(host.Scripts.ReleaseCollected(), Is.GreaterThanOrEqualTo(1));
        }

        Assert.That(PluginCollection.Released("Greeter", "1.0.0.0"), Is.False);
        Assert.That(old.IsAlive, Is.True);

        gate.SetResult();
        Assert.That(FinalReply(waiting), Does.StartWith("SIP/2.0 200 hello bob"), "the route ends on the scripts and plugin it started on");
        await PluginCollection.UntilAsync(host, () => PluginCollection.Released("Greeter", "1.0.0.0"));
        Assert.That(host.Scripts.RetiredVersions, Is.Zero);

        // That the released plugin's context is then collected is proved where no route awaited
        // (PluginTests): a worker may refer to the last await continuation it ran, and so to that
        // script version's code, until it runs another one.
    }

    [Test]
    public async Task ReplacedPlugin_FirstMessageOnTheNewScriptsFindsItsExports_LogSaysUnloadedThenLoaded()
    {
        using var deployment = new TestDeployment()
            .WithTestPlugin("Greeter.V1", "Greeter", "Greeter")
            .WithScript("request_route.csx", CallsGreeter);
        await using var host = await RunningHost.StartAsync(deployment);
        string? replyAtSwap = null;
        Version? previousExports = null;
        Version? currentExports = null;

        // Runs right after the swap, before the catalog has finished the change: the new scripts
        // already serve, and the message sent here must find the plugin they were compiled against.
        void OnSwapped(object? sender, RouteSetSwappedEventArgs e)
        {
            if (replyAtSwap is not null)
            {
                return; // a second change event for the same copy swaps in an equal version
            }

            previousExports = ExportedBy(e.Previous!);
            currentExports = ExportedBy(e.Current);
            using var peer = new UdpPeer();
            peer.Send(host.EndPoint, SipText.Request("MESSAGE", "sip:x@127.0.0.1", peer.LocalEndPoint));
            replyAtSwap = peer.ReceiveText(Wait);
        }

        host.Scripts.Swapped += OnSwapped;
        try
        {
            deployment.WithTestPlugin("Greeter.V2", "Greeter", "Greeter");
            await UdpCoreTests.Eventually(() => PluginCollection.IndexOf("Plugin Greeter 2.0.0.0 loaded") >= 0, 10_000);
        }
        finally
        {
            host.Scripts.Swapped -= OnSwapped;
        }

        Assert.That(replyAtSwap, Does.StartWith("SIP/2.0 200 hi bob"));
        Assert.That(previousExports, Is.EqualTo(new Version(1, 0, 0, 0)), "the replaced scripts keep the exports they were compiled against");
        Assert.That(currentExports, Is.EqualTo(new Version(2, 0, 0, 0)));
        var unloaded = PluginCollection.IndexOf("Plugin Greeter unloaded");
        Assert.That(unloaded, Is.GreaterThanOrEqualTo(0));
        Assert.That(unloaded, Is.LessThan(PluginCollection.IndexOf("Plugin Greeter 2.0.0.0 loaded")), "a replacement logs the old version out before the new one in");
    }

    [Test]
    public async Task ReplacedPlugin_ReleasedByTheHostsOwnSweep_OnTheHostClock()
    {
        using var deployment = new TestDeployment()
            .WithTestPlugin("Greeter.V1", "Greeter", "Greeter")
            .WithScript("request_route.csx", CallsGreeter);
        var time = new FakeTimeProvider();
        await using var host = await RunningHost.StartAsync(deployment, time);

        // The folder watcher's debounce runs on the host's clock too: advance it in small steps until the swap.
        deployment.WithTestPlugin("Greeter.V2", "Greeter", "Greeter");
        await UdpCoreTests.Eventually(
            () =>
            {
                time.Advance(TimeSpan.FromMilliseconds(100));
                return host.Scripts.Current.Version >= 2;
            },
            10_000);
        Assert.That(await PluginTests.AskAsync(host), Is.EqualTo("hi bob"));
        Assert.That(PluginCollection.Released("Greeter", "1.0.0.0"), Is.False, "nothing is released before the host's clock says to look");

        // Each check the sweep makes on the host's clock collects and releases what is gone.
        await UdpCoreTests.Eventually(
            () =>
            {
                time.Advance(TimeSpan.FromSeconds(1));
                return PluginCollection.Released("Greeter", "1.0.0.0");
            },
            10_000);
        Assert.That(host.Scripts.RetiredVersions, Is.Zero);
    }

    [Test]
    public async Task ScriptChange_PluginThatFailedWithTheSameDll_ReportedAgainNotRetried()
    {
        using var deployment = new TestDeployment()
            .WithTestPlugin("Greeter.V1", "Greeter", "Greeter")
            .WithTestPlugin("ThrowingPlugin", "ThrowingPlugin")
            .WithScript("request_route.csx", CallsGreeter);
        await using var host = await RunningHost.StartAsync(deployment);

        File.WriteAllText(Path.Combine(deployment.ScriptsPath, "request_route.csx"), "SlSendReply(200, Plugin<TestPlugins.Greeter>().Hello(\"eve\"));");
        await UdpCoreTests.Eventually(() => host.Scripts.Current.Version == 2, 10_000);

        Assert.That(host.Plugins.Errors, Has.Some.StartsWith("plugin ThrowingPlugin: failed to start"));
        Assert.That(RunningHost.Logs().Count(l => l.Contains("plugin ThrowingPlugin: failed to start", StringComparison.Ordinal)), Is.EqualTo(1));
        Assert.That(await PluginTests.AskAsync(host), Is.EqualTo("hello eve"));
    }

    private static Version ExportedBy(IRouteSet routes) => routes.Exports.Current.Keys.Single().Assembly.GetName().Version!;

    private static string FinalReply(UdpPeer peer)
    {
        while (true)
        {
            var reply = peer.ReceiveText(Wait);
            if (SipText.StatusCode(reply) >= 200)
            {
                return reply;
            }
        }
    }

    // Not inlined: no temporary of the caller may keep the plugin version alive.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference WeakAssembly(RunningHost host) => new(host.Plugins.LoadedAssembly("Greeter"));
}
