using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ScriptedSip.Core.Transport;
using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.IntegrationTests.Transactions;
using ScriptedSip.IntegrationTests.Transport;

namespace ScriptedSip.IntegrationTests.Scheduling;

/// <summary>
/// One scheduler: a route that blocks costs its worker only — never the receive thread, the timer
/// thread, or the other workers — and every kind of route run is watched by the route watchdog.
/// </summary>
[NonParallelizable]
public sealed class SchedulerTests
{
    private const int Workers = 2;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Test]
    public async Task BlockingRoute_OtherWorkerAnswersWithinMilliseconds_BlockedWorkersCallsAnsweredAfterTheBlock_NoneLost()
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", """
            if (Hdr("X-Block") == "1")
            {
                Xlog(ScriptLogLevel.Info, "blocking now");
                System.Threading.Thread.Sleep(2000);
            }

            SlSendReply(200, "OK");
            """);
        await using var host = await RunningHost.StartAsync(deployment);
        using var socket = Peer();
        var client = (IPEndPoint)socket.LocalEndPoint!;

        var blockedCall = CallWorkers.CallIdFor(0, Workers, "block");
        socket.SendTo(Encoding.ASCII.GetBytes(SipText.Request("OPTIONS", "sip:x@127.0.0.1", client, blockedCall, "X-Block: 1")), host.EndPoint);
        await UdpCoreTests.Eventually(() => RunningHost.Logs().Any(l => l.Contains("blocking now", StringComparison.Ordinal)), 5000);

        var clock = Stopwatch.StartNew();
        var sent = new ConcurrentDictionary<string, long>();
        var answered = new ConcurrentDictionary<string, long>();
        var receiver = Task.Run(() => ReceiveReplies(socket, answered, expected: 501, clock));
        for (var i = 0; i < 500; i++)
        {
            var callId = "opt-" + Guid.NewGuid().ToString("N");
            sent[callId] = clock.ElapsedTicks;
            socket.SendTo(Encoding.ASCII.GetBytes(SipText.Request("OPTIONS", "sip:x@127.0.0.1", client, callId)), host.EndPoint);
            await Task.Delay(2);
        }

        await receiver;
        Assert.That(answered.Keys, Has.Member(blockedCall), "the blocking call itself is answered when its route ends");
        Assert.That(sent.Keys.Where(c => !answered.ContainsKey(c)), Is.Empty, "every OPTIONS is answered, none lost");

        var free = sent.Keys.Where(c => CallWorkers.WorkerOf(c, Workers) == 1).ToList();
        var blocked = sent.Keys.Where(c => CallWorkers.WorkerOf(c, Workers) == 0).ToList();
        Assume.That(free, Has.Count.GreaterThan(100), "random Call-IDs spread over both workers");
        var latencies = free.Select(c => (answered[c] - sent[c]) * 1000.0 / Stopwatch.Frequency).Order().ToList();
        var p99 = latencies[(int)Math.Ceiling(latencies.Count * 0.99) - 1];
        TestContext.Out.WriteLine($"free worker: {free.Count} calls, p50 {latencies[latencies.Count / 2]:F2} ms, p99 {p99:F2} ms; blocked worker: {blocked.Count} calls");
        Assert.That(p99, Is.LessThan(20), "calls of the worker that is not blocked are answered at once");

        // The blocking route ran on the receive thread (its worker was idle): receiving moved to another thread.
        Assert.That(host.Server.Listeners[0].ReceiverHandoffs, Is.GreaterThanOrEqualTo(1), "the listener kept receiving while its thread was blocked in a route");

        // The blocked worker's calls waited for the block: each was answered after the blocking call.
        var blockEnded = answered[blockedCall];
        Assert.That(blocked.Where(c => sent[c] < blockEnded && answered[c] < blockEnded), Is.Empty);
    }

    [Test]
    public async Task IdleListener_WatchParks_ABlockingRouteAfterwardsStillHandsReceivingOver()
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", """
            if (Hdr("X-Block") == "1")
            {
                Xlog(ScriptLogLevel.Info, "blocking now");
                System.Threading.Thread.Sleep(1500);
            }

            SlSendReply(200, "OK");
            """);
        await using var host = await RunningHost.StartAsync(deployment);
        var listener = host.Server.Listeners[0];
        var parksBefore = UdpListener.ReceiveWatchParks;

        // Idle for about a second: the watch stops looking (no wake-ups while nothing happens).
        await UdpCoreTests.Eventually(() => UdpListener.ReceiveWatchParks > parksBefore, 10000);

        using var socket = Peer();
        var client = (IPEndPoint)socket.LocalEndPoint!;
        var blockedCall = CallWorkers.CallIdFor(0, Workers, "block-after-park");
        socket.SendTo(Encoding.ASCII.GetBytes(SipText.Request("OPTIONS", "sip:x@127.0.0.1", client, blockedCall, "X-Block: 1")), host.EndPoint);
        await UdpCoreTests.Eventually(() => RunningHost.Logs().Any(l => l.Contains("blocking now", StringComparison.Ordinal)), 5000);

        // The first datagram woke the watch: the blocked receive thread is replaced and another call is answered during the block.
        var freeCall = CallWorkers.CallIdFor(1, Workers, "free-after-park");
        socket.SendTo(Encoding.ASCII.GetBytes(SipText.Request("OPTIONS", "sip:x@127.0.0.1", client, freeCall)), host.EndPoint);
        var buffer = new byte[4096];
        socket.ReceiveTimeout = (int)Wait.TotalMilliseconds;
        var first = Encoding.ASCII.GetString(buffer, 0, socket.Receive(buffer));
        Assert.That(first, Does.Contain(freeCall), "answered while the other call's route still blocks");
        Assert.That(listener.ReceiverHandoffs, Is.GreaterThanOrEqualTo(1));
        var second = Encoding.ASCII.GetString(buffer, 0, socket.Receive(buffer));
        Assert.That(second, Does.Contain(blockedCall), "the blocked call is answered when its route ends");
    }

    [Test]
    public async Task AsyncRouteContinuationThatSleeps_DoesNotDelayAnotherCallsFrTimer()
    {
        using var silent = new UdpPeer(); // a next hop that never answers
        using var deployment = new TestDeployment(StatefulProxyTests.Settings("\"FrTimerMs\": 1300, \"WaitMs\": 300"))
            .WithScript("request_route.csx", $$"""
                if (Hdr("X-Slow") == "1")
                {
                    AsyncRoute("SLOW", 1);
                }

                TRelay("sip:{{silent.LocalEndPoint}}");
                """)
            .WithScript("SLOW.csx", """
                System.Threading.Thread.Sleep(1000);
                TReply(200, "OK");
                """);
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();

        // Call B (worker 1) waits for its fr timer (due at ~1.3 s); call A (worker 0) resumes at 1 s
        // and blocks its worker until ~2 s. The timer thread must fire B's timeout meanwhile.
        var callA = CallWorkers.CallIdFor(0, Workers, "slow");
        var callB = CallWorkers.CallIdFor(1, Workers, "timeout");
        var started = Stopwatch.StartNew();
        peer.Send(host.EndPoint, SipText.Request("OPTIONS", "sip:x@127.0.0.1", peer.LocalEndPoint, callB));
        peer.Send(host.EndPoint, SipText.Request("OPTIONS", "sip:x@127.0.0.1", peer.LocalEndPoint, callA, "X-Slow: 1"));

        var first = peer.ReceiveText(Wait);
        var firstAt = started.ElapsedMilliseconds;
        var second = peer.ReceiveText(Wait);
        TestContext.Out.WriteLine($"first reply after {firstAt} ms: {first.Split("\r\n")[0]}");
        Assert.That(SipText.Header(first, "Call-ID"), Is.EqualTo(callB), "B's 408 comes while A's route still sleeps");
        Assert.That(SipText.StatusCode(first), Is.EqualTo(408));
        Assert.That(SipText.Header(second, "Call-ID"), Is.EqualTo(callA));
        Assert.That(SipText.StatusCode(second), Is.EqualTo(200));
    }

    [Test]
    public async Task FailureRouteAndResumedRouteOverBudget_ReportedByTheWatchdog()
    {
        using var silent = new UdpPeer();
        using var deployment = new TestDeployment(TestDeployment.DefaultSettings("\"Transactions\": { \"FrTimerMs\": 500, \"WaitMs\": 300 },")
                .Replace("\"ReloadDebounceMs\": 100", "\"ReloadDebounceMs\": 100, \"RouteBudgetMs\": 200", StringComparison.Ordinal))
            .WithScript("request_route.csx", $$"""
                if (Hdr("X-Kind") == "failure")
                {
                    TOnFailure("SLOW_FAILURE");
                    TRelay("sip:{{silent.LocalEndPoint}}");
                    Exit();
                }

                AsyncRoute("SLOW_RESUMED", 1);
                """)
            .WithScript("SLOW_FAILURE.csx", "System.Threading.Thread.Sleep(700);\nTReply(486, \"Busy Here\");")
            .WithScript("SLOW_RESUMED.csx", "System.Threading.Thread.Sleep(700);\nTReply(200, \"OK\");");
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();

        peer.Send(host.EndPoint, SipText.Request("OPTIONS", "sip:x@127.0.0.1", peer.LocalEndPoint, extraHeaders: "X-Kind: failure"));
        Assert.That(SipText.StatusCode(peer.ReceiveText(Wait)), Is.EqualTo(486));
        peer.Send(host.EndPoint, SipText.Request("OPTIONS", "sip:x@127.0.0.1", peer.LocalEndPoint, extraHeaders: "X-Kind: resumed"));
        Assert.That(SipText.StatusCode(peer.ReceiveText(Wait)), Is.EqualTo(200));

        var logs = RunningHost.Logs();
        Assert.That(logs, Has.Some.Contains("Route SLOW_FAILURE has been running for"));
        Assert.That(logs, Has.Some.Contains("Route SLOW_RESUMED has been running for"));
    }

    internal static Socket Peer()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 8 * 1024 * 1024 };
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }

    /// <summary>Records when each reply's Call-ID arrived until <paramref name="expected"/> arrived or nothing came for the wait time.</summary>
    internal static void ReceiveReplies(Socket socket, ConcurrentDictionary<string, long> answered, int expected, Stopwatch clock, Func<string, bool>? accept = null)
    {
        var buffer = new byte[65536];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        socket.ReceiveTimeout = (int)Wait.TotalMilliseconds;
        while (answered.Count < expected)
        {
            int length;
            try
            {
                length = socket.ReceiveFrom(buffer, ref from);
            }
            catch (SocketException)
            {
                return; // nothing for the wait time: the asserts name what is missing
            }

            var text = Encoding.ASCII.GetString(buffer, 0, length);
            if (SipText.Header(text, "Call-ID") is { } callId && (accept?.Invoke(text) ?? SipText.StatusCode(text) >= 200))
            {
                answered.TryAdd(callId, clock.ElapsedTicks);
            }
        }
    }
}
