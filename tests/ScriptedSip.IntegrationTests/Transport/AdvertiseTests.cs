using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Transport;

/// <summary><c>Sip:Listen … advertise HOST:PORT</c>: our Via and Record-Route carry the advertised address, and it is recognised as us.</summary>
[NonParallelizable]
public sealed class AdvertiseTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Test]
    public async Task AdvertisedAddress_InViaAndRecordRoute_LooseRoutingConsumesIt()
    {
        using var next = new UdpPeer();
        var settings = TestDeployment.DefaultSettings().Replace("\"udp:127.0.0.1:0\"", "\"udp:127.0.0.1:0 advertise proxy.example.test:5099\"", StringComparison.Ordinal);
        using var deployment = new TestDeployment(settings).WithScript("request_route.csx", $$"""
            if (HasToTag())
            {
                if (LooseRoute()) { TRelay(); } else { SlSendReply(404, "No Route"); }
                Exit();
            }

            RecordRoute();
            TRelay("sip:{{next.LocalEndPoint}}");
            """);
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();

        caller.Send(host.EndPoint, SipText.Request("OPTIONS", "sip:bob@example.test", caller.LocalEndPoint));
        var relayed = next.ReceiveText(Wait);
        Assert.That(SipText.Header(relayed, "Via"), Does.StartWith("SIP/2.0/UDP proxy.example.test:5099;branch="));
        Assert.That(SipText.Header(relayed, "Record-Route"), Is.EqualTo("<sip:proxy.example.test:5099;lr>"));

        // An in-dialog request routed through us by that Record-Route: our entry is consumed, the next one is the target.
        caller.Send(host.EndPoint, SipText.Request("BYE", "sip:bob@example.test", caller.LocalEndPoint, toTag: "b1",
            extraHeaders: $"Route: <sip:proxy.example.test:5099;lr>, <sip:{next.LocalEndPoint};lr>"));
        string bye;
        do
        {
            bye = next.ReceiveText(Wait); // skip retransmissions of the OPTIONS nobody answered
        }
        while (!bye.StartsWith("BYE ", StringComparison.Ordinal));

        Assert.That(SipText.Header(bye, "Route"), Is.EqualTo($"<sip:{next.LocalEndPoint};lr>"));
    }
}
