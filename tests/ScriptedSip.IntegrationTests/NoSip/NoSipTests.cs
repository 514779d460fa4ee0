using System.Text;
using ScriptedSip.Core.Stats;
using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.IntegrationTests.Transport;

namespace ScriptedSip.IntegrationTests.NoSip;

/// <summary>Non-SIP datagrams through the nosip route, over real loopback UDP with real scripts.</summary>
public sealed class NoSipTests
{

    private const string RecordingRoute = """
        Shv["count"] = (int)(Shv.GetValueOrDefault("count") ?? 0) + 1;
        Shv["Mb"] = Mb; Shv["Si"] = Si; Shv["Sp"] = Sp; Shv["MbBytes"] = MbBytes.Length;
        Shv["Rm"] = Rm; Shv["Ci"] = Ci; Shv["Hdr"] = Hdr("Call-ID");
        Shv["Reply"] = SlSendReply(200, "OK"); Shv["Forward"] = Forward("sip:127.0.0.1:9");
        """;

    [Test]
    public async Task SeedExample1_PacketContentAndSourceReachTheRoute_NothingIsSentBack()
    {
        using var deployment = new TestDeployment()
            .WithScript("request_route.csx", "SlSendReply(200, \"OK\");")
            .WithScript("nosip_msg.csx", "Xlog($\"non-sip packet received - content [{Mb}] from [{Si}:{Sp}]\");\n" + RecordingRoute);
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();
        const string Packet = "hello from an outside system, 40 bytes!!";

        peer.Send(host.EndPoint, Packet);

        await UdpCoreTests.Eventually(() => host.Counters[SipCounter.NoSipRouted] == 1);
        peer.AssertNothingReceived("no reply for a non-SIP packet, whatever the route does");
        Assert.Multiple(() =>
        {
            Assert.That(host.Shv["Mb"], Is.EqualTo(Packet));
            Assert.That(host.Shv["Si"], Is.EqualTo("127.0.0.1"));
            Assert.That(host.Shv["Sp"], Is.EqualTo(peer.Port));
            Assert.That(host.Shv["MbBytes"], Is.EqualTo(Packet.Length));
            Assert.That(host.Shv["Rm"], Is.Null);
            Assert.That(host.Shv["Ci"], Is.Null);
            Assert.That(host.Shv["Hdr"], Is.Null);
            Assert.That(host.Shv["Reply"], Is.False);
            Assert.That(host.Shv["Forward"], Is.False);
            Assert.That(RunningHost.Logs(), Has.Some.Contains($"non-sip packet received - content [{Packet}] from [127.0.0.1:{peer.Port}]"));
            Assert.That(RunningHost.Logs(), Has.None.Contains("parse error"), "a packet consumed by the nosip route is not a parse error");
        });
    }

    [TestCase(31, SipCounter.TooSmall)]
    [TestCase(32, SipCounter.NoSipRouted)]
    public async Task SizeGate_31Dropped_32Routed(int size, SipCounter expected)
    {
        using var deployment = new TestDeployment()
            .WithScript("request_route.csx", "SlSendReply(200, \"OK\");")
            .WithScript("nosip_msg.csx", RecordingRoute);
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();

        peer.Send(host.EndPoint, new string('x', size));

        await UdpCoreTests.Eventually(() => host.Counters[expected] == 1);
        peer.AssertNothingReceived();
        Assert.That(OutcomeTotal(host), Is.EqualTo(1), "exactly one outcome counter");
    }

    [Test]
    public async Task MsgMatchAndMsgSkip_FilterOnTheWholePacket()
    {
        var settings = TestDeployment.DefaultSettings("\"NoSip\": { \"MsgMatch\": \"^CMD \", \"MsgSkip\": \"IGNORE\" },");
        using var deployment = new TestDeployment(settings)
            .WithScript("request_route.csx", "SlSendReply(200, \"OK\");")
            .WithScript("nosip_msg.csx", RecordingRoute);
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();

        peer.Send(host.EndPoint, "CMD run this one, it matches the pattern");
        peer.Send(host.EndPoint, "CMD but IGNORE this one: the skip pattern wins");
        peer.Send(host.EndPoint, "single-token-packet-that-does-not-match");

        await UdpCoreTests.Eventually(() => OutcomeTotal(host) == 3);
        Assert.That(host.Counters[SipCounter.NoSipRouted], Is.EqualTo(1));
        Assert.That(host.Counters[SipCounter.NoSipSkipped], Is.EqualTo(1));
        Assert.That(host.Counters[SipCounter.NoSipNotMatched], Is.EqualTo(1));
        Assert.That(host.Shv["Mb"], Is.EqualTo("CMD run this one, it matches the pattern"));
    }

    [Test]
    public async Task NoRouteLoaded_PacketsDroppedAndCounted_WarningAtStart()
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", "SlSendReply(200, \"OK\");");
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();

        peer.Send(host.EndPoint, "a non-SIP packet of forty bytes or so....");

        await UdpCoreTests.Eventually(() => host.Counters[SipCounter.NoSipNoRoute] == 1);
        Assert.That(RunningHost.Logs(), Has.Some.Contains("non-SIP packets will be dropped: no route nosip_msg"));
    }

    [Test]
    public async Task ConfiguredEventRoute_ModuleEventNameMapsToFile()
    {
        var settings = TestDeployment.DefaultSettings("\"NoSip\": { \"EventRoute\": \"myapp:packet\" },");
        using var deployment = new TestDeployment(settings)
            .WithScript("request_route.csx", "SlSendReply(200, \"OK\");")
            .WithScript("myapp_packet.csx", RecordingRoute);
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();

        peer.Send(host.EndPoint, "routed to myapp:packet, i.e. myapp_packet.csx");

        await UdpCoreTests.Eventually(() => host.Counters[SipCounter.NoSipRouted] == 1);
    }

    [Test]
    public async Task RouteThatThrows_CountedAsRouteError_NoReply_NextPacketServed()
    {
        using var deployment = new TestDeployment()
            .WithScript("request_route.csx", "SlSendReply(200, \"OK\");")
            .WithScript("nosip_msg.csx", "if (Mb.StartsWith(\"BOOM\")) throw new Exception(\"bad packet\");\n" + RecordingRoute);
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();

        peer.Send(host.EndPoint, "BOOM this packet makes the route throw");
        peer.Send(host.EndPoint, "this one is fine and reaches the route");

        await UdpCoreTests.Eventually(() => OutcomeTotal(host) == 2);
        Assert.That(host.Counters[SipCounter.NoSipRouteErrors], Is.EqualTo(1));
        Assert.That(host.Counters[SipCounter.NoSipRouted], Is.EqualTo(1));
        peer.AssertNothingReceived();
    }

    /// <summary>The bad-input list: each lands in exactly one counter, none throws, none gets a reply.</summary>
    [Test]
    public async Task BadInputs_EachLandsInExactlyOneCounter_NoneAnswered()
    {
        using var deployment = new TestDeployment()
            .WithScript("request_route.csx", "SlSendReply(200, \"OK\");")
            .WithScript("nosip_msg.csx", RecordingRoute);
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();
        var random = new Random(4242);
        var binary = new byte[200];
        random.NextBytes(binary);
        binary[10] = 0;
        binary[0] = 0;
        var inputs = new (string Name, byte[] Bytes)[]
        {
            ("empty", []),
            ("1 byte", [0x41]),
            ("31 bytes", Encoding.ASCII.GetBytes(new string('a', 31))),
            ("exactly 32 bytes", Encoding.ASCII.GetBytes(new string('b', 32))),
            ("65,507 bytes", Encoding.ASCII.GetBytes(new string('c', 65507))),
            ("binary with NULs", binary),
            ("invalid UTF-8", [.. Enumerable.Repeat((byte)0xC3, 20), .. Enumerable.Repeat((byte)0xFF, 20)]),
            ("CRLF only", Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("\r\n", 20)))),
            ("SIP start, broken in the middle", Encoding.ASCII.GetBytes("INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;bra")),
        };

        var before = OutcomeTotal(host);
        foreach (var (_, bytes) in inputs)
        {
            peer.Send(host.EndPoint, bytes);
        }

        await UdpCoreTests.Eventually(() => OutcomeTotal(host) - before == inputs.Length);
        peer.AssertNothingReceived("none gets a reply");
        Assert.That(host.Counters[SipCounter.Received], Is.EqualTo(inputs.Length));
        Assert.That(host.Counters[SipCounter.TooSmall], Is.EqualTo(3), "empty, 1 byte, 31 bytes");
        Assert.That(host.Counters[SipCounter.ParseErrorsDropped], Is.EqualTo(1), "the broken SIP start cannot be answered");
        Assert.That(host.Counters[SipCounter.NoSipRouted], Is.EqualTo(5));
        Assert.That(host.Counters[SipCounter.NoSipRouteErrors] + host.Counters[SipCounter.ScriptErrors], Is.Zero);
    }

    [Test]
    public async Task ShippedNoSipRoute_UntrustedSourceAndMalformedIgnored_TrustedValidReachesTContinue()
    {
        using var deployment = new TestDeployment().WithShippedScripts();
        await using var host = await RunningHost.StartAsync(deployment);
        using var trusted = new UdpPeer("127.0.0.1");
        using var untrusted = new UdpPeer("127.0.0.2");

        untrusted.Send(host.EndPoint, ":KREQUEST-RESUME-TRANSACTION:4242:8686:RESUME:");
        await UdpCoreTests.Eventually(() => host.Counters[SipCounter.NoSipRouted] == 1);
        trusted.Send(host.EndPoint, ":KREQUEST-RESUME-TRANSACTION:42x:8686:RESUME:");
        await UdpCoreTests.Eventually(() => host.Counters[SipCounter.NoSipRouted] == 2);
        Assert.That(RunningHost.Logs(), Has.Some.Contains("not a resume message; ignored"));
        Assert.That(host.Counters[SipCounter.ResumeFailures], Is.Zero, "neither the untrusted nor the malformed packet reached TContinue");

        // A well-formed packet from 127.0.0.1 gets to TContinue, which finds no such transaction.
        trusted.Send(host.EndPoint, ":KREQUEST-RESUME-TRANSACTION:4242:8686:RESUME:");
        await UdpCoreTests.Eventually(() => host.Counters[SipCounter.ResumeFailures] == 1 && host.Counters[SipCounter.NoSipRouted] == 3);
        Assert.That(RunningHost.Logs(), Has.Some.Contains("TContinue(4242, 8686, RESUME) failed: no such transaction"));
        trusted.AssertNothingReceived();
        untrusted.AssertNothingReceived();
    }

    private static long OutcomeTotal(RunningHost host)
    {
        var c = host.Counters;
        return c[SipCounter.TooSmall] + c[SipCounter.Oversized] + c[SipCounter.QueueFull] + c[SipCounter.Requests] + c[SipCounter.Replies]
            + c[SipCounter.ParseErrorsAnswered] + c[SipCounter.ParseErrorsDropped] + c[SipCounter.NoSipSkipped] + c[SipCounter.NoSipNotMatched]
            + c[SipCounter.NoSipNoRoute] + c[SipCounter.NoSipRouted] + c[SipCounter.NoSipRouteErrors];
    }
}
