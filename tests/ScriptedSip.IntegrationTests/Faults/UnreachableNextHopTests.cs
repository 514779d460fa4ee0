using ScriptedSip.Core.Stats;
using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.IntegrationTests.Transport;

namespace ScriptedSip.IntegrationTests.Faults;

/// <summary>
/// A next hop whose UDP port is closed answers with ICMP port unreachable. On Linux the server reads
/// it from the socket's error queue and ends the branch at once with 503 — into the failure route —
/// instead of waiting for the fr timer. The fr timers here are 30 s and every receive waits at most
/// 10 s: an answer at all proves it did not come from the timer.
/// </summary>
public sealed class UnreachableNextHopTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private const string LongTimers = "\"Transactions\": { \"FrTimerMs\": 30000, \"FrInvTimerMs\": 30000, \"WaitMs\": 200 },";

    [TestCase("INVITE")]
    [TestCase("OPTIONS")]
    [TestCase("MESSAGE")]
    public async Task RelayToClosedPort_CallerGets503AtOnce_NotAtFrTimeout(string method)
    {
        RequireLinux();
        var closedPort = UdpPeer.FreePort(); // bound a moment ago and closed: nobody listens there
        using var deployment = new TestDeployment(TestDeployment.DefaultSettings(LongTimers))
            .WithScript("request_route.csx", "TRelay(Hdr(\"X-Target\"));");
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();

        caller.Send(host.EndPoint, SipText.Request(method, "sip:bob@127.0.0.1", caller.LocalEndPoint, extraHeaders: $"X-Target: sip:127.0.0.1:{closedPort}"));
        var final = ReceiveFinal(caller);

        Assert.That(SipText.StatusCode(final), Is.EqualTo(503), final);
        Assert.That(final, Does.StartWith("SIP/2.0 503 Destination Unreachable\r\n"));
        Assert.That(host.Counters[SipCounter.BranchesUnreachable], Is.EqualTo(1));
        Assert.That(host.Counters[SipCounter.IcmpUnreachable], Is.GreaterThanOrEqualTo(1));
        Assert.That(host.Counters[SipCounter.BranchTimeouts], Is.Zero, "no fr timer ended it");
        Assert.That(RunningHost.Logs(), Has.Some.Contains($"to 127.0.0.1:{closedPort} failed at once: ICMP port unreachable"));
    }

    [Test]
    public async Task RelayToClosedPortOverIpv6_CallerGets503AtOnce()
    {
        RequireLinux();
        int closedPort;
        using (var probe = new UdpPeer("::1"))
        {
            closedPort = probe.Port;
        }

        using var deployment = new TestDeployment(TestDeployment.DefaultSettings(LongTimers).Replace("udp:127.0.0.1:0", "udp:[::1]:0", StringComparison.Ordinal))
            .WithScript("request_route.csx", "TRelay(Hdr(\"X-Target\"));");
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer("::1");

        caller.Send(host.EndPoint, SipText.Request("INVITE", "sip:bob@[::1]", caller.LocalEndPoint, extraHeaders: $"X-Target: sip:[::1]:{closedPort}"));
        var final = ReceiveFinal(caller);

        Assert.That(final, Does.StartWith("SIP/2.0 503 Destination Unreachable\r\n"));
        Assert.That(host.Counters[SipCounter.BranchesUnreachable], Is.EqualTo(1));
        Assert.That(RunningHost.Logs(), Has.Some.Contains($"to [::1]:{closedPort} failed at once: ICMP port unreachable"));
    }

    [Test]
    public async Task InviteToClosedPort_FailureRouteRelaysToALiveCallee_CallCompletesThere()
    {
        RequireLinux();
        var closedPort = UdpPeer.FreePort();
        using var callee = new UdpPeer();
        using var deployment = new TestDeployment(TestDeployment.DefaultSettings(LongTimers))
            .WithScript("request_route.csx", $$"""
                TOnFailure("FAILOVER");
                TRelay("sip:127.0.0.1:{{closedPort}}");
                """)
            .WithScript("FAILOVER.csx", $$"""
                Xlog($"failover after {Rs} {Rr}");
                TRelay("sip:{{callee.LocalEndPoint}}");
                """);
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();

        caller.Send(host.EndPoint, SipText.Request("INVITE", "sip:bob@127.0.0.1", caller.LocalEndPoint, callId: "failover@test"));
        var invite = callee.ReceiveText(Wait); // the second branch, sent by the failure route
        Assert.That(invite, Does.StartWith("INVITE "));
        callee.Send(host.EndPoint, SipText.ReplyTo(invite, 200, "OK"));

        var final = ReceiveFinal(caller);
        Assert.That(SipText.StatusCode(final), Is.EqualTo(200), final);
        Assert.That(RunningHost.Logs(), Has.Some.Contains("failover after 503 Destination Unreachable"));
        Assert.That(host.Counters[SipCounter.BranchesUnreachable], Is.EqualTo(1));
        Assert.That(host.Counters[SipCounter.BranchTimeouts], Is.Zero);
    }

    [Test]
    public async Task ClosedPortDuringLoad_OnlyItsBranchesFail_OtherCallsUnaffected()
    {
        RequireLinux();
        const int Each = 50;
        var closedPort = UdpPeer.FreePort();
        using var callee = new UdpPeer();
        using var deployment = new TestDeployment(TestDeployment.DefaultSettings(LongTimers))
            .WithScript("request_route.csx", "TRelay(Hdr(\"X-Target\"));");
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();

        // Interleaved: every other request goes to the dead port; the live callee answers its own at once.
        for (var i = 0; i < Each; i++)
        {
            caller.Send(host.EndPoint, SipText.Request("MESSAGE", "sip:bob@127.0.0.1", caller.LocalEndPoint, $"dead-{i}@test", $"X-Target: sip:127.0.0.1:{closedPort}"));
            caller.Send(host.EndPoint, SipText.Request("MESSAGE", "sip:bob@127.0.0.1", caller.LocalEndPoint, $"live-{i}@test", $"X-Target: sip:{callee.LocalEndPoint}"));
            callee.Send(host.EndPoint, SipText.ReplyTo(callee.ReceiveText(Wait), 202, "Accepted"));
        }

        var finals = new Dictionary<string, int>();
        while (finals.Count < 2 * Each && caller.Receive(Wait) is { } reply)
        {
            if (SipText.StatusCode(reply.Text) >= 200)
            {
                finals[SipText.Header(reply.Text, "Call-ID")!] = SipText.StatusCode(reply.Text);
            }
        }

        Assert.That(finals, Has.Count.EqualTo(2 * Each), "every request got its final reply before any fr timer");
        Assert.That(finals.Where(f => f.Key.StartsWith("dead-", StringComparison.Ordinal)).Select(f => f.Value), Has.All.EqualTo(503));
        Assert.That(finals.Where(f => f.Key.StartsWith("live-", StringComparison.Ordinal)).Select(f => f.Value), Has.All.EqualTo(202));
        Assert.That(host.Counters[SipCounter.BranchesUnreachable], Is.EqualTo(Each));
        await UdpCoreTests.Eventually(() => host.Server.Transactions.Table.Count == 0, 15_000);
    }

    private static string ReceiveFinal(UdpPeer caller)
    {
        while (true)
        {
            var text = caller.ReceiveText(Wait);
            if (SipText.StatusCode(text) >= 200)
            {
                return text;
            }
        }
    }

    private static void RequireLinux()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Ignore("ICMP errors are read from the socket's error queue on Linux only; elsewhere such a branch ends by its fr timer");
        }
    }
}
