using Microsoft.Extensions.Time.Testing;
using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.IntegrationTests.Transport;

namespace ScriptedSip.IntegrationTests.EdgePlugins;

/// <summary>
/// Health probing on the host's fake clock against real UDP destinations: one answers 200, one
/// answers garbage, one never answers. Every probe interval and probe timeout passes only when the
/// test advances the clock; the OPTIONS and the replies travel over loopback.
/// </summary>
[NonParallelizable]
public sealed class DispatcherProbingTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Test]
    public async Task Probes_GoodStaysActive_GarbageAndSilentGoInactiveAfterThreshold_ComeBackWhenAnswering()
    {
        using var good = new UdpPeer();
        using var garbage = new UdpPeer();
        using var silent = new UdpPeer();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var json = $$"""
            { "ProbeIntervalSeconds": 10, "ProbeMode": "All", "ProbeThreshold": 2, "ActiveThreshold": 2, "ProbeTimeoutMs": 2000,
              "AliveCodes": [ "2xx", "404" ],
              "Sets": {{DispatcherHost.Set((good.Port, 1, 0), (garbage.Port, 1, 0), (silent.Port, 1, 0))}} }
            """;
        using var deployment = DispatcherHost.Deployment(json);
        await using var host = await RunningHost.StartAsync(deployment, time);
        using var client = new UdpPeer();
        var silentUri = $"sip:127.0.0.1:{silent.Port}";
        var garbageUri = $"sip:127.0.0.1:{garbage.Port}";

        for (var round = 1; round <= 2; round++)
        {
            time.Advance(TimeSpan.FromSeconds(10));
            var probe = good.ReceiveText(Wait);
            Assert.That(probe, Does.StartWith($"OPTIONS sip:127.0.0.1:{good.Port} SIP/2.0"));
            Assert.That(SipText.Header(probe, "From"), Does.StartWith("<sip:dispatcher@localhost>"));
            good.Send(host.EndPoint, SipText.ReplyTo(probe, round == 1 ? 200 : 404, "OK"));
            Assert.That(garbage.ReceiveText(Wait), Does.StartWith("OPTIONS "));
            garbage.Send(host.EndPoint, "HTTP/1.1 200 OK\r\nthis is no SIP at all\r\n\r\n");
            Assert.That(silent.ReceiveText(Wait), Does.StartWith("OPTIONS "));
            await WaitForProbes(good, round); // answered before the timeout passes

            // The probe timeout (2 s) passes; the retransmissions of the unanswered probes are absorbed here.
            time.Advance(TimeSpan.FromSeconds(2));
            await WaitForProbes(silent, round);
            await WaitForProbes(garbage, round);
            DrainRetransmissions(garbage, silent);
        }

        await UdpCoreTests.Eventually(() => host.Shv.ContainsKey("down:" + silentUri) && host.Shv.ContainsKey("down:" + garbageUri));
        Assert.That(DispatcherHost.Ask(host, client, "X-States: 1").Reason, Is.EqualTo("Active,Inactive,Inactive"));
        Assert.That(host.Shv.Keys.Count(k => k.StartsWith("down:", StringComparison.Ordinal)), Is.EqualTo(2), "one down event per destination");
        Assert.That(RunningHost.Logs(), Has.One.Contains($"Dispatcher destination {silentUri} of set 1: Active -> Inactive (2 probe(s) failed, the last with 408)"));
        Assert.That(DispatcherHost.Ask(host, client, "X-Alg: 4\r\nX-Next: 2").Reason, Is.EqualTo($"sip:127.0.0.1:{good.Port},end,end"), "inactive destinations are never chosen");

        // The silent one starts answering: after ActiveThreshold (2) good probes it is active again.
        for (var round = 1; round <= 2; round++)
        {
            time.Advance(TimeSpan.FromSeconds(10));
            var probe = silent.ReceiveText(Wait);
            silent.Send(host.EndPoint, SipText.ReplyTo(probe, 200, "OK"));
            good.Send(host.EndPoint, SipText.ReplyTo(good.ReceiveText(Wait), 200, "OK"));
            garbage.ReceiveText(Wait);
            await WaitForProbes(silent, 2 + round);
            await WaitForProbes(good, 2 + round);
            time.Advance(TimeSpan.FromSeconds(2));
            await WaitForProbes(garbage, 2 + round);
            DrainRetransmissions(garbage, silent);
            if (round == 1)
            {
                Assert.That(DispatcherHost.Ask(host, client, "X-States: 1").Reason, Is.EqualTo("Active,Inactive,Inactive"), "one good probe is not enough");
            }
        }

        await UdpCoreTests.Eventually(() => host.Shv.ContainsKey("up:" + silentUri));
        Assert.That(DispatcherHost.Ask(host, client, "X-States: 1").Reason, Is.EqualTo("Active,Inactive,Active"));
        Assert.That(host.Shv.ContainsKey("up:" + garbageUri), Is.False);
    }

    [Test]
    public async Task ProbeModeInactive_OnlyInactiveDestinationsAreProbed()
    {
        using var up = new UdpPeer();
        using var down = new UdpPeer();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var deployment = DispatcherHost.Deployment($$"""{ "ProbeIntervalSeconds": 5, "Sets": {{DispatcherHost.Set((up.Port, 1, 0), (down.Port, 1, 0))}} }""");
        await using var host = await RunningHost.StartAsync(deployment, time);
        using var client = new UdpPeer();
        DispatcherHost.Ask(host, client, $"X-Set-State: 1 sip:127.0.0.1:{down.Port} inactive");

        time.Advance(TimeSpan.FromSeconds(5));
        var probe = down.ReceiveText(Wait);
        down.Send(host.EndPoint, SipText.ReplyTo(probe, 200, "OK"));
        await WaitForProbes(down, 1);

        await UdpCoreTests.Eventually(() => DispatcherHost.Ask(host, client, "X-States: 1").Reason == "Active,Active");
        up.AssertNothingReceived("an active destination is not probed in mode Inactive");
    }

    /// <summary>Waits until the prober has finished <paramref name="count"/> probes of the peer's destination (it logs each once done).</summary>
    private static Task WaitForProbes(UdpPeer peer, int count) =>
        UdpCoreTests.Eventually(() => RunningHost.Logs().Count(l => l.Contains($"Probe of sip:127.0.0.1:{peer.Port} (set 1): ", StringComparison.Ordinal)) >= count, 5000);

    private static void DrainRetransmissions(params UdpPeer[] peers)
    {
        foreach (var peer in peers)
        {
            while (peer.Receive(TimeSpan.FromMilliseconds(50)) is not null)
            {
            }
        }
    }
}
