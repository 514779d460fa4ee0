using ScriptedSip.Core.Stats;
using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.IntegrationTests.Transport;

namespace ScriptedSip.IntegrationTests.Plugins;

/// <summary>Real plugin projects built by the solution, dropped into a plugins folder of a running host.</summary>
[NonParallelizable]
public sealed class PluginTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Test]
    public async Task Plugin_LoadedAndCalledFromAScriptWithFullTyping()
    {
        using var deployment = new TestDeployment(TestDeployment.DefaultSettings("\"Plugins\": { \"Greeter\": { \"Punctuation\": \"!\" } },"))
            .WithTestPlugin("Greeter.V1", "Greeter", "Greeter")
            .WithScript("request_route.csx", "SlSendReply(200, Plugin<TestPlugins.Greeter>().Hello(\"bob\"));");
        await using var host = await RunningHost.StartAsync(deployment);

        Assert.That(await AskAsync(host), Is.EqualTo("hello bob!"));
        Assert.That(host.Plugins.Names, Is.EqualTo(new[] { "Greeter" }));
    }

    [Test]
    public async Task ReplacedDll_Reloaded_BehaviourChangesWithoutRestart_OldContextCollected()
    {
        using var deployment = new TestDeployment()
            .WithTestPlugin("Greeter.V1", "Greeter", "Greeter")
            .WithScript("request_route.csx", "SlSendReply(200, Plugin<TestPlugins.Greeter>().Hello(\"bob\"));");
        await using var host = await RunningHost.StartAsync(deployment);
        Assert.That(await AskAsync(host), Is.EqualTo("hello bob"));
        var old = WeakOldAssembly(host);

        deployment.WithTestPlugin("Greeter.V2", "Greeter", "Greeter");

        await UdpCoreTests.Eventually(() => host.Scripts.Current.Version >= 2, 10_000);
        Assert.That(await AskAsync(host), Is.EqualTo("hi bob"));
        // Released when the script version compiled against it is collected; then its own context can go.
        await PluginCollection.UntilAsync(host, () => PluginCollection.Released("Greeter", "1.0.0.0"));
        await PluginCollection.UntilAsync(host, () => !old.IsAlive);
        Assert.That(old.IsAlive, Is.False, "the old plugin version's load context was collected");
    }

    [Test]
    public async Task DeletedPlugin_ScriptsNeedingItFailToCompile_PreviousVersionKeepsServing()
    {
        using var deployment = new TestDeployment()
            .WithTestPlugin("Greeter.V1", "Greeter", "Greeter")
            .WithScript("request_route.csx", "SlSendReply(200, Plugin<TestPlugins.Greeter>().Hello(\"bob\"));");
        await using var host = await RunningHost.StartAsync(deployment);

        Directory.Delete(Path.Combine(deployment.PluginsPath, "Greeter"), recursive: true);

        // The compile errors are logged first, then the plugin change is refused.
        await UdpCoreTests.Eventually(() => RunningHost.Logs().Any(l => l.Contains("Plugin change not applied", StringComparison.Ordinal)), 10_000);
        Assert.That(RunningHost.Logs(), Has.Some.Contains("error CS0246").Or.Some.Contains("error CS0234"));
        Assert.That(await AskAsync(host), Is.EqualTo("hello bob"), "the previous scripts and plugin keep serving");
    }

    [Test]
    public async Task NewPluginFolder_LoadedWhileRunning()
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", "SlSendReply(200, \"no plugin\");");
        await using var host = await RunningHost.StartAsync(deployment);

        deployment.WithTestPlugin("Greeter.V1", "Greeter", "Greeter");

        await UdpCoreTests.Eventually(() => host.Plugins.Names.Contains("Greeter"), 10_000);
        File.WriteAllText(Path.Combine(deployment.ScriptsPath, "request_route.csx"), "SlSendReply(200, Plugin<TestPlugins.Greeter>().Hello(\"bob\"));");
        await UdpCoreTests.Eventually(() => host.Scripts.Current.Version >= 3, 10_000);
        Assert.That(await AskAsync(host), Is.EqualTo("hello bob"));
    }

    [Test]
    public async Task BrokenPlugins_EachReportedWithNameAndReason_HostAndGoodPluginKeepRunning()
    {
        using var deployment = new TestDeployment()
            .WithTestPlugin("Greeter.V1", "Greeter", "Greeter")
            .WithTestPlugin("ThrowingPlugin", "ThrowingPlugin")
            .WithTestPlugin("NoPluginType", "NoPluginType")
            .WithTestPlugin("MissingDependency", "MissingDependency")
            .WithTestPlugin("Greeter.V1", "GreeterTwin", "Greeter")
            .WithScript("request_route.csx", "SlSendReply(200, Plugin<TestPlugins.Greeter>().Hello(\"bob\"));");
        File.Delete(Path.Combine(deployment.PluginsPath, "MissingDependency", "Dependency.dll"));
        Directory.CreateDirectory(Path.Combine(deployment.PluginsPath, "Corrupt"));
        File.WriteAllBytes(Path.Combine(deployment.PluginsPath, "Corrupt", "Corrupt.dll"), [0x4d, 0x5a, 1, 2, 3, 4, 5, 6, 7, 8]);

        await using var host = await RunningHost.StartAsync(deployment);

        var errors = host.Plugins.Errors;
        Assert.Multiple(() =>
        {
            Assert.That(errors, Has.Some.StartsWith("plugin ThrowingPlugin: failed to start: InvalidOperationException: the database is not there"));
            Assert.That(errors, Has.Some.StartsWith("plugin NoPluginType: NoPluginType has no public class implementing IScriptedSipPlugin"));
            Assert.That(errors, Has.Some.StartsWith("plugin MissingDependency: a dependency is missing"));
            Assert.That(errors, Has.Some.StartsWith("plugin Corrupt: ").And.Contains("not a valid .NET assembly"));
            Assert.That(errors, Has.Some.StartsWith("plugin GreeterTwin: its name 'Greeter' is already used by the plugin in folder Greeter"));
            Assert.That(errors, Has.Count.EqualTo(5));
        });
        Assert.That(host.Plugins.Names, Is.EqualTo(new[] { "Greeter" }));
        Assert.That(await AskAsync(host), Is.EqualTo("hello bob"));
    }

    [Test]
    public async Task ConfigSectionFailingValidation_PluginSkippedNamingTheKey()
    {
        using var deployment = new TestDeployment(TestDeployment.DefaultSettings("\"Plugins\": { \"Greeter\": { \"Punctuation\": \"!!!\" } },"))
            .WithTestPlugin("Greeter.V1", "Greeter", "Greeter")
            .WithScript("request_route.csx", "SlSendReply(200, \"OK\");");
        await using var host = await RunningHost.StartAsync(deployment);

        Assert.That(host.Plugins.Errors, Is.EqualTo(new[] { "plugin Greeter: Plugins:Greeter:Punctuation: at most one character" }));
    }

    [Test]
    public void PluginFunctionRestrictedToRequests_UsedInReplyRoute_LoadErrorNamingTheLine()
    {
        using var deployment = new TestDeployment()
            .WithTestPlugin("Greeter.V1", "Greeter", "Greeter")
            .WithScript("request_route.csx", "Plugin<TestPlugins.Greeter>().RequestOnly();")
            .WithScript("reply_route.csx", "Xlog(\"reply\");\nvar n = Plugin<TestPlugins.Greeter>().RequestOnly();");

        var error = Assert.ThrowsAsync<InvalidOperationException>(async () => await RunningHost.StartAsync(deployment));

        Assert.That(error!.Message, Does.Match(@"reply_route\.csx\(2,9\): error SSR001: Greeter\.RequestOnly may only be used in Request routes, not in this Reply route"));
        Assert.That(error.Message, Does.Not.Contain("request_route.csx("));
    }

    [Test]
    public async Task PluginExceptionInsideAScriptCall_IsAScriptError500_NotACrash()
    {
        using var deployment = new TestDeployment(TestDeployment.DefaultSettings("\"Plugins\": { \"Htable\": { \"Tables\": { \"t\": { \"Size\": 10 } } } },"))
            .WithShippedPlugin("Htable")
            .WithScript("request_route.csx", "Plugin<ScriptedSip.Plugins.Htable.Htable>().Set(\"no-such-table\", \"k\", 1); SlSendReply(200, \"OK\");");
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();

        peer.Send(host.EndPoint, SipText.Request("MESSAGE", "sip:x@127.0.0.1", peer.LocalEndPoint));

        Assert.That(SipText.StatusCode(peer.ReceiveText(Wait)), Is.EqualTo(500));
        Assert.That(host.Counters[SipCounter.ScriptErrors], Is.EqualTo(1));
        Assert.That(RunningHost.Logs(), Has.Some.Contains("no htable 'no-such-table' is configured"));
    }

    [Test]
    public async Task ShippedHtable_StashesADecisionByTransactionId_ReadBackInResumeRoute()
    {
        using var uas = new UdpPeer();
        using var deployment = new TestDeployment(TestDeployment.DefaultSettings("\"Plugins\": { \"Htable\": { \"Tables\": { \"decisions\": { \"Size\": 100, \"AutoExpire\": 60 } } } },"))
            .WithShippedPlugin("Htable")
            .WithScript("request_route.csx", """
                TSuspend();
                var id = $"{TIndex}:{TLabel}";
                Plugin<ScriptedSip.Plugins.Htable.Htable>().Set("decisions", id, "sip:127.0.0.1:" + Hdr("X-Target-Port"));
                TContinue(TIndex, TLabel, "RESUME");
                """)
            .WithScript("RESUME.csx", """
                var target = (string)Plugin<ScriptedSip.Plugins.Htable.Htable>().Get("decisions", $"{TIndex}:{TLabel}");
                TRelay(target);
                """);
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();

        caller.Send(host.EndPoint, SipText.Request("INVITE", "sip:bob@example.org", caller.LocalEndPoint, extraHeaders: $"X-Target-Port: {uas.Port}"));

        Assert.That(uas.ReceiveText(Wait), Does.StartWith("INVITE sip:bob@example.org"));
    }

    internal static async Task<string> AskAsync(RunningHost host)
    {
        using var peer = new UdpPeer();
        peer.Send(host.EndPoint, SipText.Request("MESSAGE", "sip:x@127.0.0.1", peer.LocalEndPoint));
        var reply = peer.ReceiveText(Wait);
        await Task.Yield();
        var firstLine = reply[..reply.IndexOf('\r', StringComparison.Ordinal)];
        return firstLine["SIP/2.0 200 ".Length..];
    }

    private static WeakReference WeakOldAssembly(RunningHost host) =>
        new(host.Plugins.LoadedAssembly("Greeter"));
}
