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
    public async Task TenThousandAwaitingTaskDelay_BytesPerAwaitingReported_AllComplete()
    {
        using var deployment = new TestDeployment(TestDeployment.DefaultSettings("\"Transactions\": { \"WaitMs\": 300 },")).WithScript("request_route.csx", """
            if (Hdr("X-Release") != "1")
            {
                var gate = (System.Threading.Tasks.TaskCompletionSource)Shv["gate"]!;
                await gate.Task;
            }

            SlSendReply(200, "OK");
            """);
        await using var host = await RunningHost.StartAsync(deployment);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Shv["gate"] = gate;
        using var socket = SchedulerTests.Peer();
        var client = (IPEndPoint)socket.LocalEndPoint!;
        var requests = Enumerable.Range(0, Awaiting)
            .Select(i => Encoding.ASCII.GetBytes(SipText.Request("MESSAGE", "sip:x@127.0.0.1", client, $"await-{i}-{Guid.NewGuid():N}")))
            .ToList();

        var before = Heap();
        for (var i = 0; i < requests.Count; i++)
        {
            socket.SendTo(requests[i], host.EndPoint);
            if (i % 200 == 199)
            {
                // Paced so the kernel's receive buffer never overflows: every request must arrive.
                await UdpCoreTests.Eventually(() => host.Server.Transactions.SuspendedNow >= i - 400, 10_000);
            }
        }

        await UdpCoreTests.Eventually(() => host.Server.Transactions.SuspendedNow == Awaiting, 20_000);
        var after = Heap();
        var perAwaiting = (after - before) / (double)Awaiting;
        TestContext.Out.WriteLine($"{Awaiting} awaiting: {perAwaiting:F0} bytes each on the managed heap");

        var answered = new ConcurrentDictionary<string, long>();
        var receiver = Task.Run(() => SchedulerTests.ReceiveReplies(socket, answered, Awaiting, Stopwatch.StartNew()));
        gate.SetResult();
        await receiver;
        Assert.That(answered, Has.Count.EqualTo(Awaiting), "every awaiting route completed and answered");
        Assert.That(perAwaiting, Is.LessThanOrEqualTo(2048), "an awaiting transaction costs about what a suspended one does");
        await UdpCoreTests.Eventually(() => host.Server.Transactions.SuspendedNow == 0, 10_000);
    }

    private static long Heap()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
