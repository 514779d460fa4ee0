using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.EdgePlugins;

/// <summary>The selection algorithms, Next and states, through a real route script (no call relayed).</summary>
[NonParallelizable]
public sealed class DispatcherAlgorithmTests
{
    private const string A = "sip:127.0.0.1:5071";
    private const string B = "sip:127.0.0.1:5072";
    private const string C = "sip:127.0.0.1:5073";

    [Test]
    public async Task HashOverCallId_SameCallSameDestination_SpreadWithin20PercentOfEven()
    {
        using var deployment = DispatcherHost.Deployment($$"""{ "ProbeIntervalSeconds": 0, "Sets": {{DispatcherHost.Set((5071, 1, 0), (5072, 1, 0), (5073, 1, 0))}} }""");
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();

        var counts = new Dictionary<string, int>();
        for (var i = 0; i < 600; i++)
        {
            var (code, du) = DispatcherHost.Ask(host, peer, "X-Alg: 0", $"call-{i}@lb-test");
            Assert.That(code, Is.EqualTo(200));
            counts[du] = counts.GetValueOrDefault(du) + 1;
        }

        Assert.That(counts.Keys, Is.EquivalentTo(new[] { A, B, C }));
        Assert.That(counts.Values, Has.All.InRange(160, 240), string.Join(", ", counts));
        var first = DispatcherHost.Ask(host, peer, "X-Alg: 0", "call-7@lb-test").Reason;
        var again = DispatcherHost.Ask(host, peer, "X-Alg: 0", "call-7@lb-test").Reason;
        Assert.That(again, Is.EqualTo(first), "the same Call-ID goes to the same destination");
    }

    [Test]
    public async Task RoundRobin_Cycles_Next_WalksTheRestThenEnds()
    {
        using var deployment = DispatcherHost.Deployment($$"""{ "ProbeIntervalSeconds": 0, "Sets": {{DispatcherHost.Set((5071, 1, 0), (5072, 1, 0), (5073, 1, 0))}} }""");
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();

        var order = Enumerable.Range(0, 6).Select(_ => DispatcherHost.Ask(host, peer, "X-Alg: 4").Reason).ToList();
        Assert.That(order, Is.EqualTo(new[] { A, B, C, A, B, C }));

        var (_, walk) = DispatcherHost.Ask(host, peer, "X-Alg: 4\r\nX-Next: 3");
        Assert.That(walk, Is.EqualTo($"{A},{B},{C},end"), "Next goes through the remaining candidates once, then returns false");
    }

    [Test]
    public async Task Priority_AllToTheLowestValue_UntilItIsDown_ThenTheNext()
    {
        using var deployment = DispatcherHost.Deployment($$"""{ "ProbeIntervalSeconds": 0, "Sets": {{DispatcherHost.Set((5071, 1, 3), (5072, 1, 1), (5073, 1, 2))}} }""");
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();

        Assert.That(Enumerable.Range(0, 50).Select(_ => DispatcherHost.Ask(host, peer, "X-Alg: 8").Reason).Distinct(), Is.EqualTo(new[] { B }));
        Assert.That(DispatcherHost.Ask(host, peer, "X-Alg: 8\r\nX-Next: 2").Reason, Is.EqualTo($"{B},{C},{A}"), "failover follows priority order");

        Assert.That(DispatcherHost.Ask(host, peer, $"X-Set-State: 1 {B} inactive").Code, Is.EqualTo(200));
        Assert.That(Enumerable.Range(0, 20).Select(_ => DispatcherHost.Ask(host, peer, "X-Alg: 8").Reason).Distinct(), Is.EqualTo(new[] { C }));
        Assert.That(host.Shv["down:" + B], Is.EqualTo(1), "dispatcher_dst_down ran once");

        DispatcherHost.Ask(host, peer, $"X-Set-State: 1 {B} active");
        Assert.That(DispatcherHost.Ask(host, peer, "X-Alg: 8").Reason, Is.EqualTo(B));
        await Transport.UdpCoreTests.Eventually(() => host.Shv.ContainsKey("up:" + B));
    }

    [Test]
    public async Task Weight_SharesFollowWeights()
    {
        using var deployment = DispatcherHost.Deployment($$"""{ "ProbeIntervalSeconds": 0, "Sets": {{DispatcherHost.Set((5071, 60, 0), (5072, 30, 0), (5073, 10, 0))}} }""");
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();

        var counts = new Dictionary<string, int>();
        for (var i = 0; i < 1000; i++)
        {
            var du = DispatcherHost.Ask(host, peer, "X-Alg: 9").Reason;
            counts[du] = counts.GetValueOrDefault(du) + 1;
        }

        Assert.That(counts[A], Is.InRange(520, 680), string.Join(", ", counts));
        Assert.That(counts[B], Is.InRange(230, 370), string.Join(", ", counts));
        Assert.That(counts[C], Is.InRange(50, 150), string.Join(", ", counts));
    }

    [Test]
    public async Task LeastLoad_CountsCallsUntilLoadEnd_Random_OnlyActive()
    {
        using var deployment = DispatcherHost.Deployment($$"""{ "ProbeIntervalSeconds": 0, "Sets": {{DispatcherHost.Set((5071, 1, 0), (5072, 1, 0), (5073, 1, 0))}} }""");
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();

        // Three open calls land on three destinations; the fourth goes where a call has ended.
        var open = Enumerable.Range(0, 3).Select(i => DispatcherHost.Ask(host, peer, "X-Alg: 10", $"load-{i}").Reason).ToList();
        Assert.That(open, Is.EquivalentTo(new[] { A, B, C }));
        DispatcherHost.Ask(host, peer, "X-Alg: 10\r\nX-Load-End: yes", "load-1"); // re-selected and ended at once
        Assert.That(DispatcherHost.Ask(host, peer, "X-Alg: 10", "load-3").Reason, Is.EqualTo(open[1]), "the destination whose call ended has the least load");

        DispatcherHost.Ask(host, peer, $"X-Set-State: 1 {A} disabled");
        DispatcherHost.Ask(host, peer, $"X-Set-State: 1 {C} inactive");
        Assert.That(Enumerable.Range(0, 30).Select(_ => DispatcherHost.Ask(host, peer, "X-Alg: 6").Reason).Distinct(), Is.EqualTo(new[] { B }));
        DispatcherHost.Ask(host, peer, $"X-Set-State: 1 {B} inactive");
        Assert.That(DispatcherHost.Ask(host, peer, "X-Alg: 0"), Is.EqualTo((503, "none")), "no active destination: Select returns false");
        Assert.That(DispatcherHost.Ask(host, peer, "X-States: 1").Reason, Is.EqualTo("Disabled,Inactive,Inactive"));
        Assert.That(DispatcherHost.Ask(host, peer, "X-Set: 9\r\nX-Alg: 0"), Is.EqualTo((503, "none")), "an unknown set: false, logged once");
        Assert.That(RunningHost.Logs(), Has.One.Contains("Destination set 9 is not loaded"));
    }
}
