using System.Net;
using ScriptedSip.Core.Stats;
using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Transport;

/// <summary>The UDP core on real loopback sockets with real scripts.</summary>
public sealed class UdpCoreTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Test]
    public async Task Request_AnsweredByScript_ReplyComesFromListenPortWithViaReceivedAndToTag()
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", "SlSendReply(299, \"Scripted\");");
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();

        peer.Send(host.EndPoint, SipText.Request("OPTIONS", "sip:x@127.0.0.1", peer.LocalEndPoint, callId: "c1@test"));
        var reply = peer.Receive(Wait) ?? throw new AssertionException("no reply");

        Assert.That(reply.From, Is.EqualTo(host.EndPoint), "the reply leaves from the socket the request came in on");
        Assert.That(SipText.StatusCode(reply.Text), Is.EqualTo(299));
        Assert.That(reply.Text, Does.StartWith("SIP/2.0 299 Scripted\r\n"));
        Assert.That(SipText.Header(reply.Text, "Call-ID"), Is.EqualTo("c1@test"));
        Assert.That(SipText.Header(reply.Text, "To"), Does.Contain(";tag="));
        Assert.That(SipText.Header(reply.Text, "Via"), Does.Contain($"rport={peer.Port}"));
        Assert.That(SipText.Header(reply.Text, "CSeq"), Is.EqualTo("1 OPTIONS"));
    }

    [Test]
    public async Task Retransmission_GetsTheSameToTag()
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", "SlSendReply(200, \"OK\");");
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();
        var request = SipText.Request("OPTIONS", "sip:x@127.0.0.1", peer.LocalEndPoint);

        peer.Send(host.EndPoint, request);
        var first = peer.ReceiveText(Wait);
        peer.Send(host.EndPoint, request);
        var second = peer.ReceiveText(Wait);

        Assert.That(SipText.Header(second, "To"), Is.EqualTo(SipText.Header(first, "To")));
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(4)]
    [TestCase(31)]
    public async Task DatagramBelowMinPacketSize_DroppedSilentlyAndCounted(int size)
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", "SlSendReply(200, \"OK\");")
            .WithScript("nosip_msg.csx", "Shv[\"nosip\"] = Mb;");
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();

        var packet = new byte[size];
        Array.Fill(packet, (byte)'\n');
        peer.Send(host.EndPoint, packet);

        await Eventually(() => host.Counters[SipCounter.TooSmall] == 1);
        peer.AssertNothingReceived();
        Assert.That(host.Shv.ContainsKey("nosip"), Is.False);
    }

    [Test]
    public async Task OversizedDatagram_DroppedAndLogged_NextMessageServed()
    {
        using var deployment = new TestDeployment(TestDeployment.DefaultSettings().Replace("\"Workers\": 2", "\"Workers\": 2, \"MaxMessageSize\": 1000", StringComparison.Ordinal))
            .WithScript("request_route.csx", "SlSendReply(200, \"OK\");");
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();

        var big = SipText.Request("OPTIONS", "sip:x@127.0.0.1", peer.LocalEndPoint, extraHeaders: "X-Pad: " + new string('a', 1500));
        peer.Send(host.EndPoint, big);
        await Eventually(() => host.Counters[SipCounter.Oversized] == 1);
        peer.AssertNothingReceived();
        Assert.That(RunningHost.Logs(), Has.Some.Contains("larger than Sip:MaxMessageSize (1000 bytes)"));

        peer.Send(host.EndPoint, SipText.Request("OPTIONS", "sip:x@127.0.0.1", peer.LocalEndPoint));
        Assert.That(SipText.StatusCode(peer.ReceiveText(Wait)), Is.EqualTo(200));
    }

    [Test]
    public async Task ForwardToClosedPort_ReceiveLoopsKeepServing()
    {
        // Forwarding to a port nobody listens on draws ICMP port unreachable. On Linux the listener
        // reads it from the socket's error queue (no branch waits for a stateless forward, so it is
        // only counted); elsewhere it may not be reported at all. Either way the loops carry on.
        using var closed = new UdpPeer();
        var closedPort = closed.Port;
        closed.Dispose();
        using var deployment = new TestDeployment().WithScript(
            "request_route.csx",
            $$"""if (IsMethod("MESSAGE")) { Forward("sip:127.0.0.1:{{closedPort}}"); return; } SlSendReply(200, "OK");""");
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();

        for (var i = 0; i < 5; i++)
        {
            peer.Send(host.EndPoint, SipText.Request("MESSAGE", "sip:x@127.0.0.1", peer.LocalEndPoint));
        }

        await Eventually(() => host.Counters[SipCounter.ForwardedRequests] == 5); // all five went out
        if (OperatingSystem.IsLinux())
        {
            await Eventually(() => host.Counters[SipCounter.IcmpUnreachable] == 5);
            Assert.That(host.Counters[SipCounter.BranchesUnreachable], Is.Zero, "a stateless forward has no branch to end");
        }

        peer.Send(host.EndPoint, SipText.Request("OPTIONS", "sip:x@127.0.0.1", peer.LocalEndPoint));
        Assert.That(SipText.StatusCode(peer.ReceiveText(Wait)), Is.EqualTo(200));
    }

    [Test]
    public async Task ManyCallsOnSeveralWorkers_EachCallsMessagesAnsweredInArrivalOrder()
    {
        // The script records the CSeq numbers per Call-ID in the order it sees them.
        using var deployment = new TestDeployment().WithScript("request_route.csx", """
            var list = (System.Collections.Concurrent.ConcurrentQueue<string>)Shv.GetOrAdd(Ci, _ => new System.Collections.Concurrent.ConcurrentQueue<string>());
            list.Enqueue(Hdr("CSeq"));
            SlSendReply(200, "OK");
            """);
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();

        const int Calls = 20;
        const int PerCall = 20;
        for (var n = 1; n <= PerCall; n++)
        {
            for (var c = 0; c < Calls; c++)
            {
                var text = SipText.Request("INFO", "sip:x@127.0.0.1", peer.LocalEndPoint, callId: $"order-{c}").Replace("CSeq: 1 INFO", $"CSeq: {n} INFO", StringComparison.Ordinal);
                peer.Send(host.EndPoint, text);
            }
        }

        var replies = 0;
        while (replies < Calls * PerCall && peer.Receive(Wait) is not null)
        {
            replies++;
        }

        Assert.That(replies, Is.EqualTo(Calls * PerCall), () => string.Join('\n', host.Counters.Snapshot()) + string.Join('\n', RunningHost.Logs().TakeLast(20)));

        for (var c = 0; c < Calls; c++)
        {
            var seen = ((System.Collections.Concurrent.ConcurrentQueue<string>)host.Shv[$"order-{c}"]!).ToArray();
            Assert.That(seen, Is.EqualTo(Enumerable.Range(1, PerCall).Select(n => $"{n} INFO").ToArray()), $"call order-{c}");
        }
    }

    internal static async Task Eventually(Func<bool> condition, int timeoutMs = 3000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline)
            {
                Assert.Fail("condition not met in time");
            }

            await Task.Delay(10);
        }
    }
}
