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
            catch (System.Net.Sockets.SocketException)
            {
                return;
            }
        }
    }
}
