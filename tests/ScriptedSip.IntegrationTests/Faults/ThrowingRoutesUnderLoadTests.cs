using System.Globalization;
using ScriptedSip.Core.Stats;
using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.IntegrationTests.Transport;

namespace ScriptedSip.IntegrationTests.Faults;

/// <summary>
/// Hardening/ThrowingRouteTests proves every route kind may throw (20 requests each). This is the same
/// under sipp load: 1,000 requests at 1,000/s whose request route throws, 1,000 whose failure route
/// throws, calls whose reply route and TOnReply route throw on every reply, 1,000 non-SIP packets
/// whose route throws — every request answered (500, the calls completed), and afterwards both
/// workers still answer.
/// </summary>
[NonParallelizable]
public sealed class ThrowingRoutesUnderLoadTests
{
    private const int Requests = 1000;

    [Test]
    public async Task EveryRouteKindThrowingUnderLoad_EveryRequestAnswered_NoWorkerLost()
    {
        Sipp.RequireInstalled();
        var closedPort = UdpPeer.FreePort();
        using var deployment = new TestDeployment(TestDeployment.DefaultSettings("\"Transactions\": { \"FrTimerMs\": 2000, \"FrInvTimerMs\": 10000, \"WaitMs\": 300 },"))
            .WithScript("request_route.csx", $$"""
                if (Hdr("X-Alive") is not null) { SlSendReply(200, "OK"); return; }
                if (Ru.StartsWith("sip:request@", StringComparison.Ordinal)) throw new InvalidOperationException("request route fails");
                if (Ru.StartsWith("sip:failure@", StringComparison.Ordinal)) { TOnFailure("FAILING"); TRelay("sip:127.0.0.1:{{closedPort}}"); return; }
                if (IsMethod("INVITE")) TOnReply("ONREPLY");
                TRelay();
                """)
            .WithScript("FAILING.csx", "throw new InvalidOperationException(\"failure route fails\");")
            .WithScript("ONREPLY.csx", "throw new InvalidOperationException(\"onreply route fails\");")
            .WithScript("reply_route.csx", "throw new InvalidOperationException(\"reply route fails\");")
            .WithScript("nosip_msg.csx", "throw new InvalidOperationException(\"event route fails\");");
        await using var host = await RunningHost.StartAsync(deployment);
        var proxy = host.EndPoint.ToString();

        foreach (var kind in new[] { "request", "failure" })
        {
            using var sipp = Sipp.Start("-sf", Sipp.Scenario("message_expect_500.xml"), proxy, "-s", kind, "-p", UdpPeer.FreePort().ToString(CultureInfo.InvariantCulture),
                "-m", Requests.ToString(CultureInfo.InvariantCulture), "-r", "1000", "-timeout", "60s");
            var result = await sipp.WaitAsync(TimeSpan.FromSeconds(90));
            Assert.That(result.Successful, Is.EqualTo(Requests), $"{kind} route: every request answered 500{Environment.NewLine}{result.Output}");
        }

        // Calls: the reply route and the TOnReply route throw on every reply; the replies are still relayed.
        const int Calls = 200;
        var uasPort = UdpPeer.FreePort();
        using (var uas = Sipp.Start("-sn", "uas", "-p", uasPort.ToString(CultureInfo.InvariantCulture), "-m", Calls.ToString(CultureInfo.InvariantCulture)))
        {
            await Sipp.WaitUntilListeningAsync(uasPort);
            using var uac = Sipp.Start("-sf", Sipp.Scenario("uac_plain.xml"), $"127.0.0.1:{uasPort}", "-rsa", proxy, "-p", UdpPeer.FreePort().ToString(CultureInfo.InvariantCulture),
                "-m", Calls.ToString(CultureInfo.InvariantCulture), "-r", "200", "-timeout", "60s");
            var calls = await uac.WaitAsync(TimeSpan.FromSeconds(90));
            Assert.That(calls.Successful, Is.EqualTo(Calls), calls.Output);
        }

        using var peer = new UdpPeer();
        for (var i = 0; i < Requests; i++)
        {
            peer.Send(host.EndPoint, "not SIP at all, but long enough for the route " + i.ToString(CultureInfo.InvariantCulture));
        }

        await UdpCoreTests.Eventually(() => host.Counters[SipCounter.NoSipRouteErrors] == Requests, 30_000);
        Assert.That(host.Counters[SipCounter.ScriptErrors], Is.GreaterThanOrEqualTo(2 * Requests + Calls), "request and failure routes, and at least one reply per call");

        // Both workers still serve (Call-IDs spread over them), and nothing is left behind.
        for (var i = 0; i < 20; i++)
        {
            peer.Send(host.EndPoint, SipText.Request("OPTIONS", "sip:x@127.0.0.1", peer.LocalEndPoint, $"alive-{i}@test", "X-Alive: 1"));
            Assert.That(SipText.StatusCode(peer.ReceiveText(TimeSpan.FromSeconds(10))), Is.EqualTo(200));
        }

        await UdpCoreTests.Eventually(() => host.Server.Transactions.Table.Count == 0, 30_000);
    }
}
