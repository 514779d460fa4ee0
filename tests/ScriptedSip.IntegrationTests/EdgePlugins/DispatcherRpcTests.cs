using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.IntegrationTests.Management;

namespace ScriptedSip.IntegrationTests.EdgePlugins;

/// <summary>
/// The Dispatcher's RPC methods on the management endpoint, over HTTP and through scriptedsip-ctl:
/// dispatcher.list, dispatcher.set_state, dispatcher.reload, dispatcher.ping_active, and their bad input.
/// </summary>
[NonParallelizable]
public sealed class DispatcherRpcTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Test]
    public async Task ListAndSetState_ChangeWhatTheRouteChooses_BadParamsAreInvalidParams()
    {
        using var deployment = DispatcherHost.Deployment($$"""{ "ProbeIntervalSeconds": 0, "Sets": {{DispatcherHost.Set((5071, 50, 1), (5072, 50, 2))}} }""");
        await using var host = await RunningHost.StartAsync(deployment, ManagementClient.EphemeralUrl);
        using var client = ManagementClient.For(host);
        using var peer = new UdpPeer();

        var list = await client.ResultAsync("dispatcher.list");
        var targets = list.EnumerateArray().Single().GetProperty("targets").EnumerateArray().ToList();
        Assert.That(list[0].GetProperty("set").GetInt32(), Is.EqualTo(1));
        Assert.That(targets.Select(t => (t.GetProperty("uri").GetString(), t.GetProperty("flags").GetString(), t.GetProperty("priority").GetInt32(), t.GetProperty("weight").GetInt32())),
            Is.EqualTo(((string?, string?, int, int)[])[("sip:127.0.0.1:5071", "AP", 1, 50), ("sip:127.0.0.1:5072", "AP", 2, 50)]));

        // Kamailio's order: state, set, address; the address as the URI or as host:port.
        Assert.That((await client.ResultAsync("dispatcher.set_state", new object[] { "i", 1, "sip:127.0.0.1:5071" })).GetProperty("changed").GetInt32(), Is.EqualTo(1));
        Assert.That(DispatcherHost.Ask(host, peer, "X-Alg: 8").Reason, Is.EqualTo("sip:127.0.0.1:5072"), "priority 1 is inactive now");
        Assert.That(RunningHost.Logs(), Has.Some.Contains("Dispatcher destination sip:127.0.0.1:5071 of set 1: Active -> Inactive (set by the administrator)"));
        Assert.That((await client.ResultAsync("dispatcher.set_state", new object[] { "d", "1", "127.0.0.1:5072" })).GetProperty("changed").GetInt32(), Is.EqualTo(1));
        Assert.That(DispatcherHost.Ask(host, peer, "X-States: 1").Reason, Is.EqualTo("Inactive,Disabled"));
        Assert.That(DispatcherHost.Ask(host, peer, "X-Alg: 8").Code, Is.EqualTo(503), "nothing left to choose");
        Assert.That((await client.ResultAsync("dispatcher.set_state", new Dictionary<string, object> { ["state"] = "a", ["set"] = 1, ["address"] = "all" })).GetProperty("changed").GetInt32(), Is.EqualTo(2));
        var flags = (await client.ResultAsync("dispatcher.list"))[0].GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("flags").GetString());
        Assert.That(flags, Is.EqualTo((string[])["AP", "AP"]));

        (object Params, string Message)[] bad =
        [
            (new object[] { "sideways", 1, "all" }, "'sideways' is not a dispatcher state"),
            (new object[] { "sideways", 1, "sip:127.0.0.1:5999" }, "'sideways' is not a dispatcher state"),
            (new object[] { "a", "one", "all" }, "parameter set must be a whole number"),
            (new object[] { "a", 1 }, "parameter address (a string) is missing"),
            (new object[] { "a", 1, "sip:127.0.0.1:5999" }, "set 1 has no destination 'sip:127.0.0.1:5999'"),
            (new object[] { "a", 7, "all" }, "set 7 has no destination 'all'"),
        ];
        foreach (var (parameters, message) in bad)
        {
            var error = await client.ErrorAsync("dispatcher.set_state", parameters);
            Assert.That(error.GetProperty("code").GetInt32(), Is.EqualTo(-32602), message);
            Assert.That(error.GetProperty("message").GetString(), Does.Contain(message));
        }

        Assert.That(DispatcherHost.Ask(host, peer, "X-Alg: 8").Reason, Is.EqualTo("sip:127.0.0.1:5071"), "the server serves on after the bad calls");
    }

    [Test]
    public async Task Reload_ABadListFileIsAnErrorWithTheLine_TheOldSetsServe_AGoodOneIsTaken()
    {
        using var deployment = DispatcherHost.Deployment("""{ "ProbeIntervalSeconds": 0, "ListFile": "dispatcher.list" }""");
        var file = Path.Combine(deployment.Root, "dispatcher.list");
        await File.WriteAllTextAsync(file, "1 sip:127.0.0.1:5071\n");
        await using var host = await RunningHost.StartAsync(deployment, ManagementClient.EphemeralUrl);
        using var client = ManagementClient.For(host);
        using var peer = new UdpPeer();

        await File.WriteAllTextAsync(file, "1 sip:127.0.0.1:5071\n1 sip:127.0.0.1:5072 0 0 weight=heavy\n");
        var error = await client.ErrorAsync("dispatcher.reload");
        Assert.That(error.GetProperty("code").GetInt32(), Is.EqualTo(-32603));
        Assert.That(error.GetProperty("message").GetString(), Does.Contain("the sets were not reloaded, the previous ones keep serving: dispatcher.list:2: the weight 'heavy' is not a number 1..100"));
        Assert.That(DispatcherHost.Ask(host, peer, "X-Alg: 4").Reason, Is.EqualTo("sip:127.0.0.1:5071"));

        await File.WriteAllTextAsync(file, "1 sip:127.0.0.1:5072\n2 sip:127.0.0.1:5090\n");
        Assert.That((await client.ResultAsync("dispatcher.reload")).GetProperty("sets").GetInt32(), Is.EqualTo(2));
        Assert.That(DispatcherHost.Ask(host, peer, "X-Set: 2\r\nX-Alg: 4").Reason, Is.EqualTo("sip:127.0.0.1:5090"));
    }

    [Test]
    public async Task PingActive_TurnsTheProbingOffAndOn()
    {
        using var destination = new UdpPeer();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var deployment = DispatcherHost.Deployment($$"""{ "ProbeIntervalSeconds": 10, "ProbeMode": "All", "Sets": {{DispatcherHost.Set((destination.Port, 1, 0))}} }""");
        await using var host = await RunningHost.StartAsync(deployment, time, ManagementClient.EphemeralUrl);
        using var client = ManagementClient.For(host);

        Assert.That((await client.ResultAsync("dispatcher.ping_active")).GetProperty("ping_active").GetInt32(), Is.EqualTo(1));
        Assert.That((await client.ResultAsync("dispatcher.ping_active", new[] { 0 })).GetProperty("ping_active").GetInt32(), Is.Zero);
        time.Advance(TimeSpan.FromSeconds(10));
        destination.AssertNothingReceived("probing is off");

        Assert.That((await client.ResultAsync("dispatcher.ping_active", new[] { "1" })).GetProperty("ping_active").GetInt32(), Is.EqualTo(1));
        time.Advance(TimeSpan.FromSeconds(10));
        var probe = destination.ReceiveText(Wait);
        Assert.That(probe, Does.StartWith($"OPTIONS sip:127.0.0.1:{destination.Port} SIP/2.0"));
        destination.Send(host.EndPoint, SipText.ReplyTo(probe, 200, "OK"));

        var error = await client.ErrorAsync("dispatcher.ping_active", new[] { 2 });
        Assert.That(error.GetProperty("code").GetInt32(), Is.EqualTo(-32602));
        Assert.That(error.GetProperty("message").GetString(), Does.Contain("must be 0 (probing off) or 1 (on)"));
    }

    [Test]
    public async Task PingActive_WithoutProbingConfigured_CannotTurnItOn()
    {
        using var deployment = DispatcherHost.Deployment($$"""{ "ProbeIntervalSeconds": 0, "Sets": {{DispatcherHost.Set((5071, 1, 0))}} }""");
        await using var host = await RunningHost.StartAsync(deployment, ManagementClient.EphemeralUrl);
        using var client = ManagementClient.For(host);

        Assert.That((await client.ResultAsync("dispatcher.ping_active")).GetProperty("ping_active").GetInt32(), Is.Zero);
        var error = await client.ErrorAsync("dispatcher.ping_active", new[] { 1 });
        Assert.That(error.GetProperty("message").GetString(), Does.Contain("probing is not configured (Plugins:Dispatcher:ProbeIntervalSeconds is 0)"));
    }

    [Test]
    public async Task Ctl_CallsTheDispatcherMethods()
    {
        using var deployment = DispatcherHost.Deployment($$"""{ "ProbeIntervalSeconds": 0, "Sets": {{DispatcherHost.Set((5071, 1, 0), (5072, 1, 0))}} }""");
        await using var host = await RunningHost.StartAsync(deployment, ManagementClient.EphemeralUrl);
        var url = ManagementClient.UrlOf(host).ToString();
        using var peer = new UdpPeer();

        var setState = await CtlTests.Ctl("rpc", "dispatcher.set_state", "ip", "1", "sip:127.0.0.1:5072", "--url", url, "--json");
        var list = await CtlTests.Ctl("rpc", "dispatcher.list", "--url", url, "--json");
        var badState = await CtlTests.Ctl("rpc", "dispatcher.set_state", "x", "1", "all", "--url", url);

        Assert.That(setState.Exit, Is.Zero, setState.Output);
        Assert.That(list.Exit, Is.Zero, list.Output);
        var flags = JsonDocument.Parse(list.Output).RootElement[0].GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("flags").GetString());
        Assert.That(flags, Is.EqualTo((string[])["AP", "IP"]));
        Assert.That(DispatcherHost.Ask(host, peer, "X-States: 1").Reason, Is.EqualTo("Active,Inactive"));
        Assert.That(badState.Exit, Is.EqualTo(1));
        Assert.That(badState.Output, Does.Contain("'x' is not a dispatcher state"));
    }
}
