using System.Text.Json;
using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Management;

/// <summary>The built scriptedsip-ctl run as a process against a running host: every verb, --json, and the error exits.</summary>
public sealed class CtlTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Test]
    public async Task EveryVerb_AgainstARunningHost()
    {
        using var deployment = new TestDeployment().WithShippedScripts().WithShippedPlugin("Htable");
        await using var host = await RunningHost.StartAsync(deployment, ManagementClient.EphemeralUrl, "--Plugins:Htable:Tables:users:Size=10", "--Scripts:HotReload=false");
        var url = ManagementClient.UrlOf(host).ToString();
        using var peer = new UdpPeer();
        peer.Send(host.EndPoint, SipText.Request("OPTIONS", $"sip:{host.EndPoint}", peer.LocalEndPoint));
        Assert.That(SipText.StatusCode(peer.ReceiveText(Wait)), Is.EqualTo(200));
        using var client = ManagementClient.For(host);
        await client.ResultAsync("htable.sets", new[] { "users", "alice", "active" });

        var stats = await Ctl("--url", url, "stats");
        var statsJson = await Ctl("--url", url, "stats", "core:rcv_requests", "--json");
        var tmList = await Ctl("tm", "list", "--url", url);
        var tmContinue = await Ctl("tm", "continue", "1", "2", "RESUME", "--url", url);
        var reload = await Ctl("reload", "--url", url);
        var plugins = await Ctl("plugins", "--url", url);
        var dump = await Ctl("htable", "dump", "users", "--url", url);
        var level = await Ctl("log", "level", "--url", url);
        var rpc = await Ctl("rpc", "stats.get_statistics", "s:sl:", "--url", url, "--json");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(stats.Exit, Is.Zero, stats.Output);
            Assert.That(stats.Output, Does.Match(@"(?m)^core:rcv_requests\s+1$"));
            Assert.That(JsonDocument.Parse(statsJson.Output).RootElement.GetProperty("core:rcv_requests").GetInt32(), Is.EqualTo(1));
            Assert.That(tmList, Is.EqualTo((0, "(none)\n")));
            Assert.That(tmContinue, Is.EqualTo((0, "false\n")), "TContinue's answer for nothing to resume");
            Assert.That(reload.Exit, Is.Zero, reload.Output);
            Assert.That(reload.Output, Does.Match(@"(?m)^version\s+2$"));
            Assert.That(plugins.Output, Does.StartWith("NAME").And.Contains("Htable").And.Contains("htable.dump"));
            Assert.That(dump.Output, Does.Match(@"(?m)^KEY\s+VALUE\s+EXPIRES$").And.Match(@"(?m)^alice\s+active\s+-$"));
            Assert.That(level.Output, Is.EqualTo("level  Debug\n"));
            Assert.That(JsonDocument.Parse(rpc.Output).RootElement.EnumerateObject().Count(), Is.EqualTo(7)); // sl: 1xx..6xx_replies and filtered_acks
        }
    }

    [Test]
    public async Task Errors_Exit1WithTheMessage()
    {
        using var deployment = new TestDeployment().WithShippedScripts();
        await using var host = await RunningHost.StartAsync(deployment, ManagementClient.EphemeralUrl, "--Management:Token=tok3n", "--Scripts:HotReload=false");
        var url = ManagementClient.UrlOf(host).ToString();

        var unknown = await Ctl("rpc", "no.such", "--url", url, "--token", "tok3n");
        var badParams = await Ctl("stats", "nope:", "--url", url, "--token", "tok3n");
        var noToken = await Ctl("stats", "--url", url);
        var unreachable = await Ctl("stats", "--url", "http://127.0.0.1:1");
        deployment.WithScript("request_route.csx", "UndefinedThing();");
        var reload = await Ctl("reload", "--url", url, "--token", "tok3n");
        var usage = await Ctl("tm", "continue", "x", "2", "R", "--url", url);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(unknown, Is.EqualTo((1, "error: -32601: method not found: no.such (system.listMethods lists them)\n")));
            Assert.That(badParams.Exit, Is.EqualTo(1));
            Assert.That(badParams.Output, Does.StartWith("error: -32602: no statistic or group 'nope:'"));
            Assert.That(noToken.Exit, Is.EqualTo(1));
            Assert.That(noToken.Output, Does.StartWith("error: HTTP 401: missing or wrong bearer token"));
            Assert.That(unreachable.Exit, Is.EqualTo(1));
            Assert.That(unreachable.Output, Does.StartWith("error: cannot reach http://127.0.0.1:1/"));
            Assert.That(reload.Exit, Is.EqualTo(1));
            Assert.That(reload.Output, Does.StartWith("error: -32000: scripts do not compile (1 error); version 1 keeps serving").And.Contains("request_route.csx(1,1): error CS0103"));
            Assert.That(usage.Exit, Is.Not.Zero);
            Assert.That(usage.Output, Does.Contain("Cannot parse argument 'x'"));
        }
    }

    internal static async Task<(int Exit, string Output)> Ctl(params string[] args)
    {
        var dll = TestDeployment.BuildOutput("CtlDll");
        return await ExternalTool.RunAsync("dotnet", null, [dll, .. args]);
    }
}
