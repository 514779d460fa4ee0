using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Text;
using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.IntegrationTests.Transport;

namespace ScriptedSip.IntegrationTests.Scheduling;

/// <summary>Behind a backlog a worker takes received replies, and requests of existing transactions, before the new requests queued ahead of them.</summary>
[NonParallelizable]
public sealed class ReplyLaneTests
{
    [Test]
    public async Task WorkerBehind_ReplyArrivingAfterQueuedRequests_RunsFirst_RequestsKeepTheirOrder()
    {
        using var deployment = new TestDeployment(TestDeployment.DefaultSettings().Replace("\"Workers\": 2", "\"Workers\": 1", StringComparison.Ordinal))
            .WithScript("request_route.csx", """
                if (Hdr("X-Block") == "1")
                {
                    Xlog(ScriptLogLevel.Info, "blocking now");
                    System.Threading.SpinWait.SpinUntil(() => Shv.ContainsKey("release"), 10000); // the worker is busy until the test has sent everything
                }

                Xlog(ScriptLogLevel.Info, $"lane request {Ci}");
                SlSendReply(200, "OK");
                """)
            .WithScript("reply_route.csx", """Xlog(ScriptLogLevel.Info, $"lane reply {Ci}");""");
        await using var host = await RunningHost.StartAsync(deployment);
        using var socket = SchedulerTests.Peer();
        var client = (IPEndPoint)socket.LocalEndPoint!;
        socket.SendTo(Encoding.ASCII.GetBytes(SipText.Request("OPTIONS", "sip:x@127.0.0.1", client, "block@lane", "X-Block: 1")), host.EndPoint);
        await UdpCoreTests.Eventually(() => RunningHost.Logs().Any(l => l.Contains("blocking now", StringComparison.Ordinal)), 5000);

        for (var i = 0; i < 5; i++)
        {
            socket.SendTo(Encoding.ASCII.GetBytes(SipText.Request("OPTIONS", "sip:x@127.0.0.1", client, $"q{i}@lane")), host.EndPoint);
        }

        var reply = $"SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP {host.EndPoint};branch=z9hG4bKlane1\r\nVia: SIP/2.0/UDP {client};branch=z9hG4bKlane0\r\n"
            + $"From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:b@127.0.0.1>;tag=2\r\nCall-ID: r@lane\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
        socket.SendTo(Encoding.ASCII.GetBytes(reply), host.EndPoint);
        await UdpCoreTests.Eventually(() => WaitingAtTheWorker(host) == 6, 5000); // all of it is queued behind the blocked turn
        host.Shv["release"] = true;

        await UdpCoreTests.Eventually(() => LaneLines().Count == 7, 5000);
        var lines = LaneLines();
        Assert.That(lines[0], Is.EqualTo("request block@lane"), "the turn that was running finishes first");
        Assert.That(lines[1], Is.EqualTo("reply r@lane"), "then the reply, though it arrived last");
        Assert.That(lines.Skip(2), Is.EqualTo(Enumerable.Range(0, 5).Select(i => $"request q{i}@lane")), "then the requests, in arrival order");
    }

    [Test]
    public async Task WorkerBehind_RetransmissionOfAnExistingTransaction_OvertakesNewRequests()
    {
        using var silent = new UdpPeer();
        using var deployment = new TestDeployment(TestDeployment.DefaultSettings().Replace("\"Workers\": 2", "\"Workers\": 1", StringComparison.Ordinal))
            .WithScript("request_route.csx", $$"""
                if (Hdr("X-Block") == "1")
                {
                    Xlog(ScriptLogLevel.Info, "blocking now");
                    System.Threading.SpinWait.SpinUntil(() => Shv.ContainsKey("release"), 10000); // the worker is busy until the test has sent everything
                }

                if (Rm == "INVITE")
                {
                    TRelay("sip:{{silent.LocalEndPoint}}"); // never answers: the transaction stays
                    return;
                }

                SlSendReply(200, "OK");
                """);
        await using var host = await RunningHost.StartAsync(deployment);
        using var socket = SchedulerTests.Peer();
        socket.ReceiveTimeout = 5000;
        var client = (IPEndPoint)socket.LocalEndPoint!;
        var invite = Encoding.ASCII.GetBytes(SipText.Request("INVITE", "sip:x@127.0.0.1", client, "invite@lane"));
        socket.SendTo(invite, host.EndPoint);
        Assert.That(Receive(socket), Does.StartWith("SIP/2.0 100 ").And.Contain("invite@lane"), "the INVITE's transaction exists");
        silent.ReceiveText(TimeSpan.FromSeconds(5));

        socket.SendTo(Encoding.ASCII.GetBytes(SipText.Request("OPTIONS", "sip:x@127.0.0.1", client, "block@lane", "X-Block: 1")), host.EndPoint);
        await UdpCoreTests.Eventually(() => RunningHost.Logs().Any(l => l.Contains("blocking now", StringComparison.Ordinal)), 5000);
        const int Queued = 2 * ScriptedSip.Core.Scheduling.SipScheduler.UrgentLaneBacklog;
        for (var i = 0; i < Queued; i++)
        {
            socket.SendTo(Encoding.ASCII.GetBytes(SipText.Request("OPTIONS", "sip:x@127.0.0.1", client, $"q{i}@lane")), host.EndPoint);
        }

        socket.SendTo(invite, host.EndPoint); // the INVITE again, behind the queued OPTIONS
        await UdpCoreTests.Eventually(() => WaitingAtTheWorker(host) == Queued + 1, 5000); // all of it is queued behind the blocked turn
        host.Shv["release"] = true;

        var order = Enumerable.Range(0, Queued + 2).Select(_ => SipText.Header(Receive(socket), "Call-ID")).ToList();
        Assert.That(order[0], Is.EqualTo("block@lane"), "the turn that was running finishes first");
        Assert.That(order[1], Is.EqualTo("invite@lane"), "then the retransmission is absorbed (its 100 again), though it arrived last");
        Assert.That(order.Skip(2), Is.EqualTo(Enumerable.Range(0, Queued).Select(i => $"q{i}@lane")), "then the new requests, in arrival order");
    }

    /// <summary>Received messages waiting at the (only) worker.</summary>
    private static int WaitingAtTheWorker(RunningHost host) =>
        host.Host.Services.GetRequiredService<ScriptedSip.Core.Processing.ProcessingServices>().Scheduler.DeepestReceivedQueue();

    private static string Receive(System.Net.Sockets.Socket socket)
    {
        var buffer = new byte[8192];
        return Encoding.ASCII.GetString(buffer, 0, socket.Receive(buffer));
    }

    /// <summary>"request q0@lane" …: the script's lines in log order, without the context the log adds after them.</summary>
    private static List<string> LaneLines() =>
        [.. RunningHost.Logs().Select(Text).OfType<string>().Where(l => l.StartsWith("request ", StringComparison.Ordinal) || l.StartsWith("reply ", StringComparison.Ordinal))];

    private static string? Text(string line)
    {
        var at = line.IndexOf("lane ", StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var text = line[(at + 5)..];
        var context = text.IndexOf(" [", StringComparison.Ordinal);
        return (context < 0 ? text : text[..context]).Trim();
    }
}
