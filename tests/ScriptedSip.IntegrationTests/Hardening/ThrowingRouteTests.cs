using ScriptedSip.Core.Stats;
using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.IntegrationTests.Transport;

namespace ScriptedSip.IntegrationTests.Hardening;

/// <summary>A route that throws, in every route kind, many times over: each request still gets its answer and no worker is lost.</summary>
[NonParallelizable]
public sealed class ThrowingRouteTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Test]
    public async Task RoutesThrowingInEveryKind_EveryRequestAnswered500_RepliesStillRelayed_WorkersGoOn()
    {
        const int Each = 20;
        using var silent = new UdpPeer();
        using var deployment = new TestDeployment(TestDeployment.DefaultSettings("\"Transactions\": { \"FrTimerMs\": 300, \"WaitMs\": 200 },"))
            .WithScript("request_route.csx", $$"""
                switch (Hdr("X-Kind"))
                {
                    case "request": throw new InvalidOperationException("request route fails");
                    case "failure": TOnFailure("FAILING"); TRelay("sip:{{silent.LocalEndPoint}}"); break;
                    case "resumed": AsyncRoute("FAILING", 1); break;
                    case "relay": TRelay(Hdr("X-Target")); break;
                    default: SlSendReply(200, "OK"); break;
                }
                """)
            .WithScript("FAILING.csx", "throw new InvalidOperationException(\"named route fails\");")
            .WithScript("reply_route.csx", "throw new InvalidOperationException(\"reply route fails\");")
            .WithScript("nosip_msg.csx", "throw new InvalidOperationException(\"event route fails\");");
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();
        using var callee = new UdpPeer();

        foreach (var kind in new[] { "request", "failure", "resumed" })
        {
            for (var i = 0; i < Each; i++)
            {
                caller.Send(host.EndPoint, SipText.Request("MESSAGE", "sip:x@127.0.0.1", caller.LocalEndPoint, $"{kind}-{i}@test", $"X-Kind: {kind}"));
            }
        }

        for (var i = 0; i < Each; i++)
        {
            caller.Send(host.EndPoint, "not SIP at all, but long enough for the route " + i);
        }

        var finals = new Dictionary<string, int>();
        while (finals.Count < 3 * Each && caller.Receive(Wait) is { } reply)
        {
            if (SipText.StatusCode(reply.Text) >= 200)
            {
                finals[SipText.Header(reply.Text, "Call-ID")!] = SipText.StatusCode(reply.Text);
            }
        }

        Assert.That(finals, Has.Count.EqualTo(3 * Each), "every request got a final reply");
        Assert.That(finals.Values, Has.All.EqualTo(500));
        await UdpCoreTests.Eventually(() => host.Counters[SipCounter.NoSipRouteErrors] == Each);

        // A reply route that throws does not stop the relay of the reply.
        caller.Send(host.EndPoint, SipText.Request("MESSAGE", "sip:x@127.0.0.1", caller.LocalEndPoint, "relay@test", $"X-Kind: relay\r\nX-Target: sip:{callee.LocalEndPoint}"));
        var relayed = callee.ReceiveText(Wait);
        var via = string.Join("\r\n", relayed.Split("\r\n").Where(l => l.StartsWith("Via:", StringComparison.Ordinal)));
        callee.Send(host.EndPoint, $"SIP/2.0 202 Accepted\r\n{via}\r\nFrom: {SipText.Header(relayed, "From")}\r\nTo: {SipText.Header(relayed, "To")};tag=c\r\nCall-ID: relay@test\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n");
        Assert.That(SipText.StatusCode(caller.ReceiveText(Wait)), Is.EqualTo(202));

        // Both workers still serve.
        for (var i = 0; i < 10; i++)
        {
            caller.Send(host.EndPoint, SipText.Request("OPTIONS", "sip:x@127.0.0.1", caller.LocalEndPoint, $"alive-{i}@test"));
            Assert.That(SipText.StatusCode(caller.ReceiveText(Wait)), Is.EqualTo(200));
        }

        Assert.That(host.Counters[SipCounter.ScriptErrors], Is.EqualTo(3 * Each + 1), "request, failure and resumed routes, and the one reply route");
    }
}
