using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ScriptedSip.Core.Stats;
using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.IntegrationTests.Transactions;
using ScriptedSip.IntegrationTests.Transport;

namespace ScriptedSip.IntegrationTests.Management;

/// <summary>The RPC methods that change something: app_csx.reload, tm.continue, and the endpoint's independence from the SIP workers.</summary>
public sealed class RpcControlTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Test]
    public async Task Reload_BrokenScript_ReturnsCompilerErrors_OldVersionKeepsServing_FixedScriptLoads()
    {
        using var deployment = new TestDeployment().WithShippedScripts();
        await using var host = await RunningHost.StartAsync(deployment, ManagementClient.EphemeralUrl, "--Scripts:HotReload=false");
        using var client = ManagementClient.For(host);
        var shipped = File.ReadAllText(Path.Combine(deployment.ScriptsPath, "request_route.csx"));

        deployment.WithScript("request_route.csx", shipped + "\nUndefinedThing();\n");
        var error = await client.ErrorAsync("app_csx.reload");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.GetProperty("code").GetInt32(), Is.EqualTo(-32000));
            Assert.That(error.GetProperty("message").GetString(), Is.EqualTo("scripts do not compile (1 error); version 1 keeps serving"));
            Assert.That(error.GetProperty("data").GetProperty("version").GetInt32(), Is.EqualTo(1));
            Assert.That(error.GetProperty("data").GetProperty("errors")[0].GetString(), Does.Match(@"request_route\.csx\(\d+,1\): error CS0103: The name 'UndefinedThing' does not exist"));
        }

        await RpcBadInputTests.AssertStillServing(host, client);
        Assert.That((await client.ResultAsync("app_csx.list")).GetProperty("version").GetInt32(), Is.EqualTo(1));
        var failed = await client.ScrapeAsync();
        Assert.That(ManagementClient.Sample(failed, "scriptedsip_scripts_last_reload_failed"), Is.EqualTo(1), "what the reload alert watches");
        Assert.That(ManagementClient.Sample(failed, "scriptedsip_scripts_reload_failures_total"), Is.EqualTo(1));

        deployment.WithScript("request_route.csx", "SlSendReply(299, \"Reloaded\");");
        var loaded = await client.ResultAsync("app_csx.reload");
        Assert.That(loaded.GetProperty("version").GetInt32(), Is.EqualTo(2));
        var fixedScrape = await client.ScrapeAsync();
        Assert.That(ManagementClient.Sample(fixedScrape, "scriptedsip_scripts_last_reload_failed"), Is.Zero);
        Assert.That(ManagementClient.Sample(fixedScrape, "scriptedsip_scripts_version"), Is.EqualTo(2));
        using var peer = new UdpPeer();
        peer.Send(host.EndPoint, SipText.Request("OPTIONS", $"sip:{host.EndPoint}", peer.LocalEndPoint));
        Assert.That(SipText.StatusCode(peer.ReceiveText(Wait)), Is.EqualTo(299), "the reloaded version serves");
    }

    /// <summary>The seed's use case resumed over RPC instead of a UDP packet: the example request_route suspends each INVITE.</summary>
    [Test]
    public async Task TmListShowsTheSeedsSuspendedInvite_TmContinueWithWrongLabelIsFalseAndLogged_RightOneRelays()
    {
        using var decisions = new UdpPeer();
        using var uas = new UdpPeer();
        using var deployment = new TestDeployment(StatefulProxyTests.Settings("\"FrTimerMs\": 20000, \"WaitMs\": 300")).WithShippedScripts();
        var example = File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "Examples", "seed-resume", "request_route.csx"));
        deployment.WithScript("request_route.csx", example.Replace("127.0.0.1:5999", decisions.LocalEndPoint.ToString(), StringComparison.Ordinal));
        await using var host = await RunningHost.StartAsync(deployment, ManagementClient.EphemeralUrl);
        using var client = ManagementClient.For(host);
        using var caller = new UdpPeer();

        var callId = Guid.NewGuid().ToString("N") + "@rpc-test";
        caller.Send(host.EndPoint, SipText.Request("INVITE", $"sip:bob@127.0.0.1:{uas.Port}", caller.LocalEndPoint, callId: callId));
        var note = decisions.ReceiveText(Wait).Split(':');
        var (index, label) = (note[0], note[1]);

        var list = await client.ResultAsync("tm.list");
        Assert.That(list.GetArrayLength(), Is.EqualTo(1));
        var entry = list[0];
        using (Assert.EnterMultipleScope())
        {
            Assert.That(entry.GetProperty("id").GetString(), Is.EqualTo($"{index}:{label}"));
            Assert.That(entry.GetProperty("method").GetString(), Is.EqualTo("INVITE"));
            Assert.That(entry.GetProperty("suspension").GetString(), Is.EqualTo("suspended"));
            Assert.That(entry.GetProperty("call_id").GetString(), Is.EqualTo(callId));
            Assert.That(entry.GetProperty("age_ms").GetInt64(), Is.GreaterThanOrEqualTo(0));
            Assert.That((await client.ResultAsync("tm.stats")).GetProperty("suspended").GetInt32(), Is.EqualTo(1));
        }

        var wrongLabel = (uint.Parse(label, System.Globalization.CultureInfo.InvariantCulture) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.That((await client.ResultAsync("tm.continue", new object[] { index, wrongLabel, "RESUME" })).GetBoolean(), Is.False);
        Assert.That(RunningHost.Logs(), Has.Some.Contains($"TContinue({index}, {wrongLabel}, RESUME) failed: no such transaction"));
        Assert.That(host.Counters[SipCounter.ResumeFailures], Is.EqualTo(1));
        Assert.That(host.Server.Transactions.SuspendedNow, Is.EqualTo(1), "nothing resumed");

        // Numbers as JSON numbers work as well as text.
        Assert.That((await client.ResultAsync("tm.continue", new object[] { uint.Parse(index, System.Globalization.CultureInfo.InvariantCulture), uint.Parse(label, System.Globalization.CultureInfo.InvariantCulture), "RESUME" })).GetBoolean(), Is.True);
        Assert.That(uas.ReceiveText(Wait), Does.StartWith("INVITE sip:bob@"), "RESUME relayed the INVITE");
        Assert.That((await client.ResultAsync("tm.continue", new object[] { index, label, "RESUME" })).GetBoolean(), Is.False, "exactly once");
    }

    /// <summary>
    /// The only SIP worker is held inside a route; the endpoint still answers, because Kestrel runs
    /// on the thread pool and never on a SIP worker.
    /// </summary>
    [Test]
    public async Task EveryWorkerBlockedInARoute_HealthAndRpcStillAnswer()
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", """
            Shv["held"] = 1;
            while (!Shv.ContainsKey("go"))
            {
                System.Threading.Thread.Sleep(5);
            }

            SlSendReply(200, "Released");
            """);
        await using var host = await RunningHost.StartAsync(deployment, ManagementClient.EphemeralUrl, "--Sip:Workers=1", "--Scripts:RouteBudgetMs=60000");
        using var client = ManagementClient.For(host);
        using var peer = new UdpPeer();
        peer.Send(host.EndPoint, SipText.Request("OPTIONS", $"sip:{host.EndPoint}", peer.LocalEndPoint));
        await UdpCoreTests.Eventually(() => host.Shv.ContainsKey("held"));

        using (var live = await client.GetAsync("/health/live"))
        {
            Assert.That(live.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        Assert.That((await client.ResultAsync("core.uptime")).GetProperty("uptime").GetInt64(), Is.GreaterThanOrEqualTo(0));
        Assert.That(await client.ScrapeAsync(), Does.Contain("scriptedsip_core_rcv_requests_total 1"));

        host.Shv["go"] = 1;
        Assert.That(SipText.StatusCode(peer.ReceiveText(Wait)), Is.EqualTo(200));
    }

    [Test]
    public async Task Ready_OnlyOnceScriptsLoadedAndListenersStarted_LiveAllAlong()
    {
        using var deployment = new TestDeployment().WithShippedScripts();
        var (built, exit) = ScriptedSip.Host.ScriptedSipApplication.Build(["--contentRoot", deployment.Root, ManagementClient.EphemeralUrl], TextWriter.Null);
        Assert.That(exit, Is.Zero);
        using var host = built!;
        var management = host.Services.GetRequiredService<ScriptedSip.Host.Management.ManagementServer>();
        await management.OpenAsync();
        using var client = new ManagementClient(management.Urls[0]);

        async Task<(HttpStatusCode, string)> Ready()
        {
            using var response = await client.GetAsync("/health/ready");
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        Assert.That(await Ready(), Is.EqualTo((HttpStatusCode.ServiceUnavailable, "not ready: scripts not loaded yet\n")));
        using (var live = await client.GetAsync("/health/live"))
        {
            Assert.That(live.StatusCode, Is.EqualTo(HttpStatusCode.OK), "alive while not ready");
        }

        Assert.That(host.Services.GetRequiredService<ScriptedSip.Host.Plugins.PluginCatalog>().Apply().Success, Is.True);
        Assert.That(await Ready(), Is.EqualTo((HttpStatusCode.ServiceUnavailable, "not ready: SIP listeners not started yet\n")));

        await host.StartAsync();
        try
        {
            Assert.That(await Ready(), Is.EqualTo((HttpStatusCode.OK, "ready\n")));
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
