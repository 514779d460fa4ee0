using System.Net;
using System.Net.Sockets;
using ScriptedSip.Core.Stats;
using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Transport;

/// <summary>
/// A peer that went away (a phone switched off, a client that gave up) leaves ICMP port unreachable
/// errors pending on the listener's socket, one per datagram sent to it. The kernel reports a pending
/// error to the next send from the socket, whoever it is for; that send does not happen. Such errors
/// must never cost a datagram to a live peer, however many of them are pending.
/// </summary>
public sealed class UdpStaleIcmpErrorTests
{
    private const int Rounds = 2000;

    [Test]
    public async Task ManyDatagramsToAGonePeer_EveryDatagramToALivePeerStillGoesOut()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Ignore("ICMP errors of unconnected UDP sockets are read from the error queue on Linux only");
        }

        using var deployment = new TestDeployment().WithScript("request_route.csx", "SlSendReply(200, \"OK\");");
        await using var host = await RunningHost.StartAsync(deployment);
        var listener = host.Server.Listeners[0];
        using var live = new UdpPeer();
        int gonePort;
        using (var gone = new UdpPeer())
        {
            gonePort = gone.Port;
        }

        var toGone = new IPEndPoint(IPAddress.Loopback, gonePort).Serialize();
        var toLive = live.LocalEndPoint.Serialize();
        var payload = "ping"u8.ToArray();
        var refused = 0;

        // Bursts to the gone peer between the datagrams to the live one: each burst leaves several
        // errors queued, so a send meets one pending even after the one before it was consumed.
        for (var i = 0; i < Rounds; i++)
        {
            for (var k = 0; k < 4; k++)
            {
                listener.Send(payload, toGone);
            }

            if (!listener.Send(payload, toLive))
            {
                refused++;
            }
        }

        var received = 0;
        while (received < Rounds && live.Receive(TimeSpan.FromSeconds(5)) is not null)
        {
            received++;
        }

        Assert.That(refused, Is.Zero, "sends to the live peer reported as failed");
        Assert.That(received, Is.EqualTo(Rounds), "datagrams the live peer received");
        Assert.That(host.Counters[SipCounter.IcmpUnreachable], Is.GreaterThan(0), "the gone peer's errors were read from the queue");
    }
}
