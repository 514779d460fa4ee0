using System.Net.Sockets;
using System.Text;
using ScriptedSip.Core.Stats;
using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Transport;

/// <summary>
/// A TCP peer that sends requests but never reads the replies: the server's writes fill the
/// kernel's buffers, then its own queue (1 MiB), and the connection is closed — the worker
/// never waits on that peer, and everyone else keeps being served.
/// </summary>
public sealed class TcpSlowReaderTests
{
    [Test]
    public async Task PeerNeverReads_ConnectionClosedWhenTheQueueFills_OtherClientsServed()
    {
        using var deployment = new TestDeployment(TcpTransportTests.Settings())
            .WithScript("request_route.csx", "SlSendReply(200, \"OK\");");
        await using var host = await RunningHost.StartAsync(deployment);

        // A small fixed receive buffer: the kernel does not grow it for a peer that never reads.
        using var silent = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await silent.ConnectAsync(TcpTransportTests.TcpEndPoint(host));
        var local = (System.Net.IPEndPoint)silent.LocalEndPoint!;

        // Each reply repeats the 4 KB To header: a few thousand requests outgrow every buffer.
        var padding = new string('p', 4000);
        var sent = 0;
        try
        {
            while (sent < 20_000 && host.Counters[SipCounter.TcpSendQueueFull] == 0)
            {
                var request = TcpTransportTests.TcpRequest("OPTIONS", "sip:x@127.0.0.1", local, callId: $"slow{sent}@test")
                    .Replace("To: <", $"To: \"{padding}\" <", StringComparison.Ordinal);
                await silent.SendAsync(Encoding.ASCII.GetBytes(request));
                sent++;
            }
        }
        catch (SocketException)
        {
            // the server closed the connection under us: that is the point
        }

        await UdpCoreTests.Eventually(() => host.Counters[SipCounter.TcpSendQueueFull] == 1, 10_000);
        Assert.That(sent, Is.GreaterThan(100), "replies filled buffers and queue before the close");

        using var other = await StreamPeer.ConnectAsync(TcpTransportTests.TcpEndPoint(host));
        await other.SendAsync(TcpTransportTests.TcpRequest("OPTIONS", "sip:x@127.0.0.1", other.LocalEndPoint, callId: "after@test"));
        var reply = await other.ReceiveAsync(TcpTransportTests.Wait);
        Assert.That(SipText.StatusCode(reply!), Is.EqualTo(200));
    }
}
