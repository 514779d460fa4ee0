using ScriptedSip.Core.Transport;
using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.IntegrationTests.Transactions;
using ScriptedSip.IntegrationTests.Transport;

namespace ScriptedSip.IntegrationTests.Scheduling;

/// <summary>
/// While the timer wheel ticks (a transaction is pending), the periodic chores ride on its ticks
/// instead of waking threads of their own: the ticker looks at the receive loops for the hand-off
/// watch, and it takes the overload monitor's samples. Blocking routes are still handed over.
/// </summary>
[TestFixture]
[NonParallelizable] // counts process-wide looks
public sealed class TickerChoresTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Test]
    public async Task WhileTimersTick_TheTickerLooksAtTheReceiveLoops_AndTakesTheOverloadSamples()
    {
        using var silent = new UdpPeer(); // never answers: the relayed request's timers keep the wheel ticking
        using var deployment = WithPendingRelay(silent);
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = StartPendingCall(host, silent);

        var overload = host.Server.Overload!;
        var tickerLooks = UdpListener.ReceiveLooksByTicker;
        var watchLooks = UdpListener.ReceiveLooksByWatch;
        var watchWakes = UdpListener.WatchWakes;
        var samples = overload.Samples;
        var lookSamples = overload.SamplesOnLooks;

        // Traffic keeps route turns running (the watch does not park) for about half a second of ticks.
        var pings = 0;
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (UdpListener.ReceiveLooksByTicker < tickerLooks + 50 || overload.SamplesOnLooks < lookSamples + 4)
        {
            peer.Send(host.EndPoint, SipText.Request("OPTIONS", "sip:x@127.0.0.1", peer.LocalEndPoint, $"ping-{pings++}", "X-Ping: 1"));
            Assert.That(SipText.StatusCode(peer.ReceiveText(Wait)), Is.EqualTo(200));
            Assert.That(deadline.Elapsed, Is.LessThan(Wait), $"the ticker does not look at the receive loops ({UdpListener.ReceiveLooksByTicker - tickerLooks}) or take samples ({overload.SamplesOnLooks - lookSamples})");
        }

        var ownLooks = UdpListener.ReceiveLooksByWatch - watchLooks;
        var wakes = UdpListener.WatchWakes - watchWakes;
        var ownSamples = overload.Samples - samples - (overload.SamplesOnLooks - lookSamples);
        TestContext.Out.WriteLine($"{pings} pings; watch's own looks at receive loops: {ownLooks}; monitor's own-timer samples: {ownSamples}; watch wake-ups: {wakes}");

        // Looking every 10 ms itself, the watch would have looked at each receive loop about 50 times.
        Assert.That(ownLooks, Is.LessThan(25), "the watch's own thread left the receive loops to the ticker");
        Assert.That(ownSamples, Is.LessThanOrEqualTo(2), "the monitor's own timer left the sampling to the ticker");

        // And it woke about every 50 ms (to look at the ticker) instead of every 10 ms.
        Assert.That(wakes, Is.LessThan(25), "the watch's own thread slowed down while the ticker looks");
    }

    [Test]
    public async Task WithNoTimerPending_TheWatchTakesTheOverloadSamples()
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", "SlSendReply(200, \"OK\");");
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();
        var overload = host.Server.Overload!;
        var samples = overload.Samples;
        var lookSamples = overload.SamplesOnLooks;

        // Stateless replies only: no transaction, so the wheel's ticker parks; the watch looks itself.
        var pings = 0;
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (overload.SamplesOnLooks < lookSamples + 5)
        {
            peer.Send(host.EndPoint, SipText.Request("OPTIONS", "sip:x@127.0.0.1", peer.LocalEndPoint, $"ping-{pings++}"));
            Assert.That(SipText.StatusCode(peer.ReceiveText(Wait)), Is.EqualTo(200));
            Assert.That(deadline.Elapsed, Is.LessThan(Wait), "the watch's looks take no samples");
        }

        var ownSamples = overload.Samples - samples - (overload.SamplesOnLooks - lookSamples);
        Assert.That(ownSamples, Is.LessThanOrEqualTo(2), "the monitor's own timer left the sampling to the watch");
    }

    [Test]
    public async Task WhileTimersTick_ABlockingRoute_IsStillHandedOver()
    {
        using var silent = new UdpPeer();
        using var deployment = WithPendingRelay(silent);
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = StartPendingCall(host, silent);
        var listener = host.Server.Listeners[0];
        var handoffs = listener.ReceiverHandoffs;

        var blocked = CallWorkers.CallIdFor(0, 2, "blocked");
        var free = CallWorkers.CallIdFor(1, 2, "free");
        peer.Send(host.EndPoint, SipText.Request("OPTIONS", "sip:x@127.0.0.1", peer.LocalEndPoint, blocked, "X-Block: 1"));
        peer.Send(host.EndPoint, SipText.Request("OPTIONS", "sip:x@127.0.0.1", peer.LocalEndPoint, free, "X-Ping: 1"));

        var first = peer.ReceiveText(Wait);
        Assert.That(SipText.Header(first, "Call-ID"), Is.EqualTo(free), "answered while the other route blocks");
        Assert.That(listener.ReceiverHandoffs, Is.GreaterThan(handoffs));
        Assert.That(SipText.Header(peer.ReceiveText(Wait), "Call-ID"), Is.EqualTo(blocked));
    }

    /// <summary>Relays to <paramref name="silent"/> (which never answers); X-Ping is answered at once, X-Block after 1.5 s.</summary>
    private static TestDeployment WithPendingRelay(UdpPeer silent) =>
        new TestDeployment(StatefulProxyTests.Settings("\"FrTimerMs\": 30000"))
            .WithScript("request_route.csx", $$"""
                if (Hdr("X-Block") == "1")
                {
                    System.Threading.Thread.Sleep(1500);
                    SlSendReply(200, "Blocked");
                    return;
                }

                if (Hdr("X-Ping") == "1")
                {
                    SlSendReply(200, "OK");
                    return;
                }

                TRelay("sip:{{silent.LocalEndPoint}}");
                """);

    /// <summary>One relayed request that stays pending: its transaction's timers keep the wheel ticking.</summary>
    private static UdpPeer StartPendingCall(RunningHost host, UdpPeer silent)
    {
        var peer = new UdpPeer();
        peer.Send(host.EndPoint, SipText.Request("OPTIONS", "sip:x@127.0.0.1", peer.LocalEndPoint, "pending-call"));
        Assert.That(silent.ReceiveText(Wait), Does.Contain("pending-call"), "relayed: a transaction waits with its timers");
        return peer;
    }
}
