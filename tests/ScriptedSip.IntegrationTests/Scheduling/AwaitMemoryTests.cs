using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.IntegrationTests.Transport;

namespace ScriptedSip.IntegrationTests.Scheduling;

/// <summary>An <c>await</c> in a route holds what a suspended transaction holds, not the worker's message buffers.</summary>
[NonParallelizable]
public sealed class AwaitMemoryTests
{
    private const int Awaiting = 10_000;

    [Test]
    public async Task TenThousandAwaitingRoutes_BytesPerAwaitingReported_AllComplete()
    {
        using var deployment = new TestDeployment(TestDeployment.DefaultSettings("\"Transactions\": { \"WaitMs\": 300 },")).WithScript("request_route.csx", """
            if (Hdr("X-Release") != "1")
            {
                var gate = (System.Threading.Tasks.TaskCompletionSource)Shv["gate-" + Hdr("X-Gate")]!;
                await gate.Task;
            }

            SlSendReply(200, "OK");
            """);
        await using var host = await RunningHost.StartAsync(deployment);
        // Released a hundred at a time, so the replies never overflow the test's receive buffer.
        const int PerGate = 100;
        var gates = Enumerable.Range(0, Awaiting / PerGate).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToList();
        for (var g = 0; g < gates.Count; g++)
        {
            host.Shv["gate-" + g] = gates[g];
        }

        using var socket = SchedulerTests.Peer();
        var client = (IPEndPoint)socket.LocalEndPoint!;
        var requests = Enumerable.Range(0, Awaiting)
            .Select(i => Encoding.ASCII.GetBytes(SipText.Request("MESSAGE", "sip:x@127.0.0.1", client, $"await-{i}-{Guid.NewGuid():N}", $"X-Gate: {i / PerGate}")))
            .ToList();

        // The cost of one more waiting route: the heap's growth from 5,000 to 10,000 waiting. Pools,
        // queues and caches that fill with the first few thousand do not count.
        await SendAsync(socket, host, requests, 0, Awaiting / 2);
        var half = Heap();
        await SendAsync(socket, host, requests, Awaiting / 2, Awaiting);
        var full = Heap();
        var perAwaiting = (full - half) / (double)(Awaiting / 2);
        TestContext.Out.WriteLine($"{Awaiting} awaiting: {perAwaiting:F0} bytes each of live objects on the managed heap");

        var answered = new ConcurrentDictionary<string, long>();
        var clock = Stopwatch.StartNew();
        for (var g = 0; g < gates.Count; g++)
        {
            gates[g].SetResult();
            SchedulerTests.ReceiveReplies(socket, answered, (g + 1) * PerGate, clock);
        }

        Assert.That(answered, Has.Count.EqualTo(Awaiting), "every awaiting route completed and answered");
        await UdpCoreTests.Eventually(() => host.Server.Transactions.SuspendedNow == 0 && host.Server.Transactions.Table.Count == 0, 10_000);
        Assert.That(perAwaiting, Is.LessThanOrEqualTo(2048), "an awaiting transaction costs about what a suspended one does");
    }

    private static async Task SendAsync(System.Net.Sockets.Socket socket, RunningHost host, List<byte[]> requests, int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            socket.SendTo(requests[i], host.EndPoint);
            if (i % 200 == 199)
            {
                // Paced so the kernel's receive buffer never overflows: every request must arrive.
                var sent = i;
                await UdpCoreTests.Eventually(() => host.Server.Transactions.SuspendedNow >= sent - 400, 10_000);
            }
        }

        await UdpCoreTests.Eventually(() => host.Server.Transactions.SuspendedNow == to, 20_000);
    }

    /// <summary>
    /// The bytes of live objects: what survives a full blocking collection. Not
    /// <see cref="GC.GetTotalMemory(bool)"/>: on a fragmented heap (left by the tests that ran before
    /// in this process) it subtracts more than the free space — 8 MB reported for 19.5 MB of live
    /// objects — which made the cost of the awaiting routes look nearly twice what it is.
    /// </summary>
    private static long Heap()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetGCMemoryInfo(GCKind.FullBlocking).PromotedBytes;
    }
}
