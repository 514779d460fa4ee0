using System.Net;
using System.Net.Sockets;
using ScriptedSip.Core.Processing.Overload;
using ScriptedSip.IntegrationTests.Transport;

namespace ScriptedSip.IntegrationTests.Overload;

/// <summary>The kernel receive-queue signal, read with SO_MEMINFO from real sockets that nobody reads.</summary>
public sealed class KernelUdpQueuesTests
{
    [TestCase("127.0.0.1")]
    [TestCase("::1")]
    public async Task UnreadDatagrams_ShowAsQueueFill_ThenDrops_ReadingEmptiesIt(string address)
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Ignore("the kernel queues are read with SO_MEMINFO (Linux only)");
        }

        var ip = IPAddress.Parse(address);
        using var silent = new Socket(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        silent.ReceiveBufferSize = 64 * 1024;
        silent.Bind(new IPEndPoint(ip, 0));
        var local = (IPEndPoint)silent.LocalEndPoint!;
        using var other = new Socket(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        other.Bind(new IPEndPoint(ip, 0)); // a second socket on the same address: must not be counted
        var queues = new KernelUdpQueues([silent]);
        Assert.That(queues.Available, Is.True);
        Assert.That(queues.Read().Percent, Is.Zero, "nothing sent yet");

        using var sender = new Socket(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        var payload = new byte[1000];
        sender.SendTo(payload, local);
        await UdpCoreTests.Eventually(() => queues.Read().Percent > 0);
        var afterOne = queues.Read();
        Assert.That(afterOne.Percent, Is.LessThan(50), "one datagram in a 64 KiB buffer");
        Assert.That(afterOne.Drops, Is.Zero);

        for (var i = 0; i < 400; i++)
        {
            sender.SendTo(payload, local); // far more than the buffer holds
            other.SendTo(payload, other.LocalEndPoint!);
        }

        await UdpCoreTests.Eventually(() => queues.Read().Drops > 0);
        Assert.That(queues.Read().Percent, Is.GreaterThanOrEqualTo(50), "a full buffer");

        var buffer = new byte[2048];
        while (silent.Available > 0)
        {
            silent.Receive(buffer);
        }

        await UdpCoreTests.Eventually(() => queues.Read().Percent == 0);
    }
}
