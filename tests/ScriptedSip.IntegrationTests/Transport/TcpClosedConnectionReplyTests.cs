using System.Net;
using ScriptedSip.Core.Stats;
using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Transport;

/// <summary>RFC 3261 §18.2.2: a reply whose TCP connection has closed is sent on a new connection to the Via's sent-by.</summary>
public sealed class TcpClosedConnectionReplyTests
{
    private static readonly TimeSpan Wait = TcpTransportTests.Wait;

    [Test]
    public async Task CallerClosesItsConnection_FinalReplyComesOnANewConnectionToItsViaSentBy()
    {
        using var uas = new UdpPeer();
        using var deployment = new TestDeployment(TcpTransportTests.Settings())
            .WithScript("request_route.csx", $"""
                Ru = "sip:bob@{uas.LocalEndPoint}";
                TRelay();
                """);
        await using var host = await RunningHost.StartAsync(deployment);
        using var callerListener = StreamPeer.Listen(); // where the caller takes connections: its Via sent-by
        var sentBy = (IPEndPoint)callerListener.LocalEndPoint!;

        using (var client = await StreamPeer.ConnectAsync(TcpTransportTests.TcpEndPoint(host)))
        {
            Assert.That(client.LocalEndPoint.Port, Is.Not.EqualTo(sentBy.Port));
            await client.SendAsync(TcpTransportTests.TcpRequest("INVITE", "sip:bob@example.test", sentBy));
            Assert.That(SipText.StatusCode((await client.ReceiveAsync(Wait))!), Is.EqualTo(100), "the transaction exists before the caller goes");
        }

        await WaitForAsync(() => host.Counters[SipCounter.TcpClosedByPeer] == 1, "the server has not seen the caller's connection close");
        var invite = uas.ReceiveText(Wait);
        uas.Send(host.EndPoint, ProxiedCall.Reply(invite, 486, "Busy Here"));

        using var back = await StreamPeer.AcceptAsync(callerListener, timeout: Wait);
        var reply = await back.ReceiveAsync(Wait);

        Assert.That(reply, Does.StartWith("SIP/2.0 486 Busy Here\r\n"));
        Assert.That(SipText.Header(reply!, "Via"), Does.StartWith($"SIP/2.0/TCP 127.0.0.1:{sentBy.Port};"));
    }

    private static async Task WaitForAsync(Func<bool> condition, string failure)
    {
        var deadline = Environment.TickCount64 + (long)Wait.TotalMilliseconds;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline)
            {
                Assert.Fail(failure);
            }

            await Task.Delay(10);
        }
    }
}
