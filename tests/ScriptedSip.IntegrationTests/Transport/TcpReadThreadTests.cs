using System.Net;
using System.Diagnostics;
using ScriptedSip.Core.Stats;
using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.IntegrationTests.Scheduling;

namespace ScriptedSip.IntegrationTests.Transport;

/// <summary>
/// The TCP listener's own read thread (Tcp:ReadThread): it runs routes inline when their worker is
/// idle, so a route that blocks must cost its worker only — never the reading of other connections,
/// nor of the blocked message's own connection.
/// </summary>
[NonParallelizable]
public sealed class TcpReadThreadTests
{
    private const int Workers = 2;

    [Test]
    public async Task BlockingRouteOverTcp_OtherConnectionsAndTheSameConnectionServedMeanwhile_ReadingHandedOver()
    {
        using var deployment = new TestDeployment(TcpTransportTests.Settings()).WithScript("request_route.csx", """
            if (Hdr("X-Block") == "1")
            {
                Xlog(ScriptLogLevel.Info, "blocking now");
                System.Threading.Thread.Sleep(2000);
                SlSendReply(200, "Blocked");
                return;
            }

            SlSendReply(200, "OK");
            """);
        await using var host = await RunningHost.StartAsync(deployment);
        var listener = host.Server.StreamListeners[0];
        Assume.That(listener.PollsReads, Is.True, "the read thread needs epoll (Linux)");
        using var blockedClient = await StreamPeer.ConnectAsync(TcpTransportTests.TcpEndPoint(host));
        using var otherClient = await StreamPeer.ConnectAsync(TcpTransportTests.TcpEndPoint(host));

        var blockedCall = CallWorkers.CallIdFor(0, Workers, "block");
        await blockedClient.SendAsync(TcpTransportTests.TcpRequest("OPTIONS", "sip:x@127.0.0.1", blockedClient.LocalEndPoint, blockedCall, "X-Block: 1"));
        await UdpCoreTests.Eventually(() => RunningHost.Logs().Any(l => l.Contains("blocking now", StringComparison.Ordinal)), 5000);
        var clock = Stopwatch.StartNew();

        // Another call of the blocked connection (on the free worker): read and answered while the block lasts.
        await blockedClient.SendAsync(TcpTransportTests.TcpRequest("OPTIONS", "sip:x@127.0.0.1", blockedClient.LocalEndPoint, CallWorkers.CallIdFor(1, Workers, "same")));
        var sameConnection = await blockedClient.ReceiveAsync(TcpTransportTests.Wait);
        Assert.That(sameConnection, Does.StartWith("SIP/2.0 200 OK\r\n"), "the blocked message's connection is read on");

        for (var i = 0; i < 50; i++)
        {
            await otherClient.SendAsync(TcpTransportTests.TcpRequest("OPTIONS", "sip:x@127.0.0.1", otherClient.LocalEndPoint, CallWorkers.CallIdFor(1, Workers, "other")));
            var reply = await otherClient.ReceiveAsync(TcpTransportTests.Wait);
            Assert.That(reply, Does.StartWith("SIP/2.0 200 OK\r\n"), $"request {i} of the other connection");
        }

        var othersDone = clock.Elapsed;
        var blocked = await blockedClient.ReceiveAsync(TimeSpan.FromSeconds(10));
        var blockedDone = clock.Elapsed;
        TestContext.Out.WriteLine($"51 answered after {othersDone.TotalMilliseconds:F0} ms, the blocked one after {blockedDone.TotalMilliseconds:F0} ms");

        Assert.That(blocked, Does.StartWith("SIP/2.0 200 Blocked\r\n"), "the blocking call itself is answered when its route ends");
        Assert.That(listener.ReadHandoffs, Is.GreaterThanOrEqualTo(1), "reading moved to another thread while the route blocked");
        Assert.That(host.Counters[SipCounter.TcpMessages], Is.EqualTo(52));
    }

    [Test]
    public async Task BlockingRouteOnTheFirstOfTwoMessagesInOneRead_TheSecondIsAnsweredWhileTheFirstBlocks()
    {
        using var deployment = new TestDeployment(TcpTransportTests.Settings()).WithScript("request_route.csx", """
            if (Hdr("X-Block") == "1")
            {
                System.Threading.Thread.Sleep(2000);
                SlSendReply(200, "Blocked");
                return;
            }

            SlSendReply(200, "OK");
            """);
        await using var host = await RunningHost.StartAsync(deployment);
        Assume.That(host.Server.StreamListeners[0].PollsReads, Is.True, "the read thread needs epoll (Linux)");
        using var client = await StreamPeer.ConnectAsync(TcpTransportTests.TcpEndPoint(host));

        // One write, so one read: the blocking message first, then a whole one of the free worker, then nothing more.
        var blocking = TcpTransportTests.TcpRequest("OPTIONS", "sip:x@127.0.0.1", client.LocalEndPoint, CallWorkers.CallIdFor(0, Workers, "first"), "X-Block: 1");
        var second = TcpTransportTests.TcpRequest("OPTIONS", "sip:x@127.0.0.1", client.LocalEndPoint, CallWorkers.CallIdFor(1, Workers, "second"));
        await client.SendAsync(blocking + second);

        var firstReply = await client.ReceiveAsync(TimeSpan.FromSeconds(10));
        Assert.That(firstReply, Does.StartWith("SIP/2.0 200 OK\r\n"), "the message kept behind the blocking one is handed to the thread that took over reading");
        Assert.That(await client.ReceiveAsync(TimeSpan.FromSeconds(10)), Does.StartWith("SIP/2.0 200 Blocked\r\n"));
        Assert.That(host.Server.StreamListeners[0].ReadHandoffs, Is.GreaterThanOrEqualTo(1));
    }

    [Test]
    public async Task PipelinedAndSplitMessages_EachAnsweredOnceInOrder()
    {
        using var deployment = new TestDeployment(TcpTransportTests.Settings())
            .WithScript("request_route.csx", "SlSendReply(200, \"OK \" + Hdr(\"X-N\"));");
        await using var host = await RunningHost.StartAsync(deployment);
        using var client = await StreamPeer.ConnectAsync(TcpTransportTests.TcpEndPoint(host));
        string Request(int n) => TcpTransportTests.TcpRequest("OPTIONS", "sip:x@127.0.0.1", client.LocalEndPoint, $"split-{n}@test", $"X-N: {n}", body: "v=0\r\n");

        // Two whole messages and the start of a third in one write; the third's end in two more.
        var third = Request(3);
        await client.SendAsync(Request(1) + Request(2) + third[..40]);
        await client.SendAsync(third[40..^3]);
        await client.SendAsync(third[^3..]);

        var replies = new List<string>();
        while (replies.Count < 3 && await client.ReceiveAsync(TcpTransportTests.Wait) is { } text)
        {
            replies.AddRange(text.Split("SIP/2.0 200 ", StringSplitOptions.RemoveEmptyEntries).Select(r => r[..r.IndexOf('\r', StringComparison.Ordinal)]));
        }

        Assert.That(replies, Is.EqualTo(new[] { "OK 1", "OK 2", "OK 3" }));
        Assert.That(host.Counters[SipCounter.TcpMessages], Is.EqualTo(3));
    }

    [Test]
    public async Task TwoReadThreads_ConnectionsSpreadOverBoth_EachAnswered()
    {
        using var deployment = new TestDeployment(TcpTransportTests.Settings(tcp: "\"ReadThreads\": 2"))
            .WithScript("request_route.csx", "SlSendReply(200, \"OK\");");
        await using var host = await RunningHost.StartAsync(deployment);
        Assume.That(host.Server.StreamListeners[0].PollsReads, Is.True, "the read threads need epoll (Linux)");
        Assert.That(host.Server.StreamListeners[0].ReadThreads, Is.EqualTo(2));

        var clients = new List<StreamPeer>();
        for (var i = 0; i < 4; i++)
        {
            var client = await StreamPeer.ConnectAsync(TcpTransportTests.TcpEndPoint(host));
            clients.Add(client);
            await client.SendAsync(TcpTransportTests.TcpRequest("OPTIONS", "sip:x@127.0.0.1", client.LocalEndPoint));
            Assert.That(await client.ReceiveAsync(TcpTransportTests.Wait), Does.StartWith("SIP/2.0 200 OK\r\n"), $"connection {i}");
        }

        Assert.That(host.Server.StreamListeners[0].ConnectionsPerReadThread, Is.EqualTo(new[] { 2, 2 }));
        clients.ForEach(c => c.Dispose());
    }

    [Test]
    public async Task IPv6_InviteInAndOutOverTcp_ReadAndConnectedByTheReadThread_FinalReplyBack()
    {
        using var uasListener = StreamPeer.Listen("::1");
        var uasEndPoint = (IPEndPoint)uasListener.LocalEndPoint!;
        var settings = TcpTransportTests.Settings().Replace("\"tcp:127.0.0.1:0\"", "\"tcp:[::1]:0\"", StringComparison.Ordinal);
        using var deployment = new TestDeployment(settings)
            .WithScript("request_route.csx", "Du = $\"sip:{Ru!.Split('@')[1]};transport=tcp\"; if (!TRelay()) { SlSendReply(500, \"Relay Failed\"); }");
        await using var host = await RunningHost.StartAsync(deployment);
        var listener = host.Server.StreamListeners[0];
        Assume.That(listener.PollsReads, Is.True, "the read thread needs epoll (Linux)");
        Assert.That(listener.LocalEndPoint.AddressFamily, Is.EqualTo(System.Net.Sockets.AddressFamily.InterNetworkV6));
        using var caller = await StreamPeer.ConnectAsync(listener.LocalEndPoint);

        await caller.SendAsync(TcpTransportTests.TcpRequest("INVITE", $"sip:bob@{uasEndPoint}", caller.LocalEndPoint, callId: "v6-tcp@test"));
        using var uas = await StreamPeer.AcceptAsync(uasListener);
        var invite = await uas.ReceiveAsync(TcpTransportTests.Wait) ?? throw new AssertionException("no INVITE at the IPv6 callee");
        Assert.That(invite.Split("\r\n").First(l => l.StartsWith("Via:", StringComparison.Ordinal)), Does.StartWith($"Via: SIP/2.0/TCP [::1]:{listener.LocalEndPoint.Port};branch="));

        await uas.SendAsync(TcpTransportTests.Reply(invite, 486, "Busy Here"));
        var codes = new List<int>();
        while (!codes.Contains(486) && await caller.ReceiveAsync(TcpTransportTests.Wait) is { } text)
        {
            codes.AddRange(text.Split("SIP/2.0 ", StringSplitOptions.RemoveEmptyEntries).Select(r => int.Parse(r[..3], System.Globalization.CultureInfo.InvariantCulture)));
        }

        Assert.That(codes, Does.Contain(486), "the callee's reply came back over the caller's IPv6 connection");
        Assert.That(listener.ConnectionsPerReadThread, Is.EqualTo(new[] { 2 }), "both connections read by the read thread");
        Assert.That(host.Counters[SipCounter.TcpEstablished], Is.EqualTo(1), "the outgoing connection was made");
    }

    [Test]
    public async Task ReadThreadOff_RuntimeReadsTheConnection_OptionsAnswered()
    {
        using var deployment = new TestDeployment(TcpTransportTests.Settings(tcp: "\"ReadThread\": false"))
            .WithScript("request_route.csx", "SlSendReply(200, \"OK\");");
        await using var host = await RunningHost.StartAsync(deployment);
        using var client = await StreamPeer.ConnectAsync(TcpTransportTests.TcpEndPoint(host));

        await client.SendAsync(TcpTransportTests.TcpRequest("OPTIONS", "sip:x@127.0.0.1", client.LocalEndPoint));
        var reply = await client.ReceiveAsync(TcpTransportTests.Wait);

        Assert.That(host.Server.StreamListeners[0].PollsReads, Is.False);
        Assert.That(reply, Does.StartWith("SIP/2.0 200 OK\r\n"));
    }
}
