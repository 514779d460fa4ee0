using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Scripting;

/// <summary><c>Du</c> (the next hop without touching the Request-URI), <c>AppendToReply</c> and <c>Message</c>.</summary>
[NonParallelizable]
public sealed class DestinationAndReplyHeaderTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Test]
    public async Task Du_SendsToTheDestination_KeepsTheRequestUri()
    {
        using var next = new UdpPeer();
        using var deployment = new TestDeployment().WithScript("request_route.csx", $$"""
            Du = "sip:{{next.LocalEndPoint}}";
            Xlog("du=" + Du);
            if (Hdr("X-Stateless") is not null) { Forward(); } else { TRelay(); }
            """);
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();

        caller.Send(host.EndPoint, SipText.Request("OPTIONS", "sip:bob@example.test", caller.LocalEndPoint));
        var relayed = next.ReceiveText(Wait);
        Assert.That(relayed, Does.StartWith("OPTIONS sip:bob@example.test SIP/2.0\r\n"));

        caller.Send(host.EndPoint, SipText.Request("OPTIONS", "sip:carol@example.test", caller.LocalEndPoint, extraHeaders: "X-Stateless: 1"));
        string forwarded;
        do
        {
            forwarded = next.ReceiveText(Wait); // skip retransmissions of the first OPTIONS
        }
        while (!forwarded.StartsWith("OPTIONS sip:carol@", StringComparison.Ordinal));

        Assert.That(forwarded, Does.StartWith("OPTIONS sip:carol@example.test SIP/2.0\r\n"));
    }

    [Test]
    public async Task AppendToReply_AddsTheHeaderToStatelessAndStatefulReplies_RejectsNonHeaders()
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", """
            if (AppendToReply("Warning: 399 proxy \"no line\"\r\nX-Injected: 1")) { SlSendReply(500, "Accepted Two Lines"); Exit(); }
            if (AppendToReply("not a header")) { SlSendReply(500, "Accepted Non Header"); Exit(); }
            AppendToReply("X-Seen-By: " + Message.Si);
            if (IsMethod("INVITE")) { TReply(486, "Busy Here"); } else { SlSendReply(200, "OK"); }
            """);
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();

        caller.Send(host.EndPoint, SipText.Request("OPTIONS", "sip:bob@example.test", caller.LocalEndPoint));
        var stateless = caller.ReceiveText(Wait);
        Assert.That(stateless, Does.StartWith("SIP/2.0 200 OK\r\n"));
        Assert.That(SipText.Header(stateless, "X-Seen-By"), Is.EqualTo("127.0.0.1"));

        caller.Send(host.EndPoint, SipText.Request("INVITE", "sip:bob@example.test", caller.LocalEndPoint));
        string stateful;
        do
        {
            stateful = caller.ReceiveText(Wait); // a 100 Trying may come first
        }
        while (stateful.StartsWith("SIP/2.0 100", StringComparison.Ordinal));

        Assert.That(stateful, Does.StartWith("SIP/2.0 486 Busy Here\r\n"));
        Assert.That(SipText.Header(stateful, "X-Seen-By"), Is.EqualTo("127.0.0.1"));
    }
}
