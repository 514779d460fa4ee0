using System.Collections.Concurrent;
using System.Net;
using System.Text;
using ScriptedSip.Core.Stats;
using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.IntegrationTests.Transport;

namespace ScriptedSip.IntegrationTests.Scheduling;

/// <summary>A blocked worker's queue is bounded: past Sip:QueueLimit new requests get 503 with Retry-After, ACKs are dropped.</summary>
[NonParallelizable]
public sealed class QueueLimitTests
{
    [Test]
    public async Task WorkerBlocked_PastQueueLimit_RequestsGet503RetryAfter_AcksDropped_QueuedOnesServedLater()
    {
        using var deployment = new TestDeployment(TestDeployment.DefaultSettings().Replace("\"Workers\": 2", "\"Workers\": 2, \"QueueLimit\": 16", StringComparison.Ordinal))
            .WithScript("request_route.csx", """
                if (Hdr("X-Block") == "1")
                {
                    Xlog(ScriptLogLevel.Info, "blocking now");
                    System.Threading.SpinWait.SpinUntil(() => Shv.ContainsKey("release"), 10000); // busy until the test has seen the overflow
                }

                if (IsMethod("ACK"))
                {
                    Exit();
                }

                SlSendReply(200, "OK");
                """);
        await using var host = await RunningHost.StartAsync(deployment);
        using var socket = SchedulerTests.Peer();
        var client = (IPEndPoint)socket.LocalEndPoint!;
        var blocker = CallWorkers.CallIdFor(0, 2, "block");
        socket.SendTo(Encoding.ASCII.GetBytes(SipText.Request("OPTIONS", "sip:x@127.0.0.1", client, blocker, "X-Block: 1")), host.EndPoint);
        await UdpCoreTests.Eventually(() => RunningHost.Logs().Any(l => l.Contains("blocking now", StringComparison.Ordinal)), 5000);

        var calls = Enumerable.Range(0, 40).Select(_ => CallWorkers.CallIdFor(0, 2, "q")).ToList();
        var replies = new ConcurrentDictionary<string, string>();
        var receiver = Task.Run(() => Receive(socket, replies, calls.Count + 1));
        foreach (var callId in calls)
        {
            socket.SendTo(Encoding.ASCII.GetBytes(SipText.Request("OPTIONS", "sip:x@127.0.0.1", client, callId)), host.EndPoint);
        }

        for (var i = 0; i < 3; i++)
        {
            socket.SendTo(Encoding.ASCII.GetBytes(SipText.Request("ACK", "sip:x@127.0.0.1", client, CallWorkers.CallIdFor(0, 2, "ack"))), host.EndPoint);
        }

        await UdpCoreTests.Eventually(() => host.Counters[SipCounter.QueueFull] == 27, 5000);
        host.Shv["release"] = true;

        await receiver;
        var served = calls.Where(c => replies.TryGetValue(c, out var r) && SipText.StatusCode(r) == 200).ToList();
        var refused = calls.Where(c => replies.TryGetValue(c, out var r) && SipText.StatusCode(r) == 503).ToList();
        Assert.That(served, Has.Count.EqualTo(16), "Sip:QueueLimit requests wait for the worker and are served");
        Assert.That(refused, Has.Count.EqualTo(24), "the rest are refused at once");
        Assert.That(refused.Select(c => SipText.Header(replies[c], "Retry-After")), Has.All.EqualTo("5"));
        Assert.That(host.Counters[SipCounter.QueueFull], Is.EqualTo(27), "24 requests + 3 ACKs did not fit");
        Assert.That(RunningHost.Logs().Count(l => l.Contains("Worker queue full", StringComparison.Ordinal)), Is.EqualTo(1), "one line for the burst (at most one a second)");
    }

    /// <summary>
    /// Several receive threads refuse at once (Sip:ReceiveThreads): each refusal is answered from
    /// that thread's own scratch message, none is lost, the server keeps running. (A scratch shared
    /// by the threads crashed the server under this load.)
    /// </summary>
    [Test]
    public async Task SeveralReceiveThreads_RefuseConcurrently_EveryRequestAnswered()
    {
        using var deployment = new TestDeployment(TestDeployment.DefaultSettings().Replace("\"Workers\": 2", "\"Workers\": 2, \"ReceiveThreads\": 4, \"QueueLimit\": 16", StringComparison.Ordinal))
            .WithScript("request_route.csx", """
                if (Hdr("X-Block") == "1")
                {
                    Xlog(ScriptLogLevel.Info, "blocking now");
                    System.Threading.SpinWait.SpinUntil(() => Shv.ContainsKey("release"), 20000); // busy until every refusal is counted
                }

                SlSendReply(200, "OK");
                """);
        await using var host = await RunningHost.StartAsync(deployment);
        Assert.That(RunningHost.Logs().Any(l => l.Contains("(4 receive thread(s), 2 shared worker(s))", StringComparison.Ordinal)), Is.True);
        using var blockerSocket = SchedulerTests.Peer();
        blockerSocket.SendTo(Encoding.ASCII.GetBytes(SipText.Request("OPTIONS", "sip:x@127.0.0.1", (IPEndPoint)blockerSocket.LocalEndPoint!, CallWorkers.CallIdFor(0, 2, "block"), "X-Block: 1")), host.EndPoint);
        await UdpCoreTests.Eventually(() => RunningHost.Logs().Any(l => l.Contains("blocking now", StringComparison.Ordinal)), 5000);

        // four senders at once, 250 requests each, all for the blocked worker
        const int Senders = 4, PerSender = 250;
        var sockets = Enumerable.Range(0, Senders).Select(_ => SchedulerTests.Peer()).ToList();
        var replies = new ConcurrentDictionary<string, string>();
        // dedicated threads: on two cores the pool would start them late and the replies pile up
        var receivers = sockets.Select(s => Task.Factory.StartNew(() => Receive(s, replies, Senders * PerSender), TaskCreationOptions.LongRunning)).ToList();
        await Task.WhenAll(sockets.Select(s => Task.Run(() =>
        {
            var client = (IPEndPoint)s.LocalEndPoint!;
            for (var i = 0; i < PerSender; i++)
            {
                s.SendTo(Encoding.ASCII.GetBytes(SipText.Request("OPTIONS", "sip:x@127.0.0.1", client, CallWorkers.CallIdFor(0, 2, "r"))), host.EndPoint);
            }
        })));

        // what reached the server: the kernel may drop a few when its receive buffer is small (rmem_max)
        long Arrived() => Senders * PerSender - KernelDrops(host.EndPoint.Port);
        long Delivered() => Arrived() - sockets.Sum(s => KernelDrops(((IPEndPoint)s.LocalEndPoint!).Port));
        await UdpCoreTests.Eventually(() => host.Counters[SipCounter.QueueFull] + 16 >= Arrived(), 10000);
        host.Shv["release"] = true;
        await UdpCoreTests.Eventually(() => replies.Count >= Delivered(), 10000);
        var delivered = Delivered();
        var arrived = Arrived();
        foreach (var s in sockets)
        {
            s.Dispose();
        }

        await Task.WhenAll(receivers);
        var codes = replies.Values.Select(SipText.StatusCode).ToList();
        Assert.That(codes.Count(c => c == 200), Is.EqualTo(16), "Sip:QueueLimit requests wait for the worker and are served");
        Assert.That(codes.Count(c => c == 503), Is.EqualTo(host.Counters[SipCounter.QueueFull]), "every refusal answered 503");
        Assert.That(codes.Count, Is.EqualTo(delivered), "every request that reached the server got an answer (less what the kernel dropped at the senders' sockets)");
        Assert.That(host.Counters[SipCounter.QueueFull] + 16, Is.EqualTo(arrived), "every request that reached the server was served or refused");
        Assert.That(codes.Count(c => c == 503), Is.GreaterThan(arrived / 2), "the refusals ran on the receive threads at once");
    }

    /// <summary>Datagrams the kernel dropped for the sockets bound to <paramref name="port"/> (last column of /proc/net/udp).</summary>
    private static long KernelDrops(int port)
    {
        var hexPort = ":" + port.ToString("X4", System.Globalization.CultureInfo.InvariantCulture);
        return File.ReadLines("/proc/net/udp").Skip(1)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length > 12 && f[1].EndsWith(hexPort, StringComparison.Ordinal))
            .Sum(f => long.Parse(f[^1], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static void Receive(System.Net.Sockets.Socket socket, ConcurrentDictionary<string, string> replies, int expected)
    {
        var buffer = new byte[65536];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        socket.ReceiveTimeout = 10_000;
        while (replies.Count < expected)
        {
            try
            {
                var length = socket.ReceiveFrom(buffer, ref from);
                var text = Encoding.ASCII.GetString(buffer, 0, length);
                if (SipText.Header(text, "Call-ID") is { } callId)
                {
                    replies.TryAdd(callId, text);
                }
            }
            catch (Exception ex) when (ex is System.Net.Sockets.SocketException or ObjectDisposedException)
            {
                return; // nothing more for the wait time, or the test closed the socket
            }
        }
    }
}
