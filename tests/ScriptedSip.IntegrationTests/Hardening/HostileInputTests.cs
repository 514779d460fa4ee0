using System.Text;
using ScriptedSip.Core.Stats;
using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.IntegrationTests.Transport;

namespace ScriptedSip.IntegrationTests.Hardening;

/// <summary>Hostile input classes a server on the internet sees: each gets a clear answer or a counted drop, and the server keeps serving.</summary>
[NonParallelizable]
public sealed class HostileInputTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    private static string Options(string extraHeaders, string callId = "hostile@test", string cseq = "1") =>
        "OPTIONS sip:x@127.0.0.1 SIP/2.0\r\n"
        + "Via: SIP/2.0/UDP 127.0.0.1:PORT;branch=z9hG4bKhostile;rport\r\n"
        + extraHeaders
        + "From: <sip:a@x>;tag=1\r\nTo: <sip:x@127.0.0.1>\r\n"
        + $"Call-ID: {callId}\r\nCSeq: {cseq} OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";

    public static IEnumerable<TestCaseData> Inputs()
    {
        yield return new TestCaseData(Options(string.Concat(Enumerable.Repeat("Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKx\r\n", 200))), 200).SetName("TwoHundredVias_Answered");
        yield return new TestCaseData(Options("X-Big: " + new string('b', 60_000) + "\r\n"), 200).SetName("SixtyKilobyteHeaderValue_Answered");
        // Liberal where the message is still unambiguous: a NUL inside a value is carried as a character,
        // a CSeq above 2^31 (a UAC must not send one, RFC 3261 §8.1.1.5) is still a 32-bit number.
        yield return new TestCaseData(Options("X-Nul: a\0b\r\n"), 200).SetName("NulInsideAHeaderValue_CarriedAsACharacter");
        yield return new TestCaseData(Options(string.Empty, cseq: "4294967295"), 200).SetName("CSeqTwoToThe32MinusOne_Answered");
        yield return new TestCaseData(Options("Route: <sip:" + new string('[', 2000) + "x;lr>\r\n"), 200).SetName("DeeplyBracketedRoute_NoCrash");
        yield return new TestCaseData(Options("X-Latin1: caf\u00e9\r\n").Replace("é", "\u00e9", StringComparison.Ordinal), 200).SetName("NonAsciiHeader_Answered");
    }

    [TestCaseSource(nameof(Inputs))]
    public async Task HostileRequest_GetsAClearAnswer_ServerKeepsServing(string request, int expected)
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", """
            // Every text global read, so none of them may throw on what arrived.
            var all = string.Join("|", Mb, Si, Rm, Ru, Ci, Fu, Tu, Hdr("Via"), Hdr("X-Latin1"), string.Join(",", HdrAll("Route")));
            SlSendReply(200, "OK");
            """);
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();

        peer.Send(host.EndPoint, Encoding.UTF8.GetBytes(request.Replace("PORT", peer.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)));
        var reply = peer.ReceiveText(Wait);

        Assert.That(SipText.StatusCode(reply), Is.EqualTo(expected), reply.Split("\r\n")[0]);
        Assert.That(host.Counters[SipCounter.ScriptErrors], Is.Zero);
        peer.Send(host.EndPoint, SipText.Request("OPTIONS", "sip:x@127.0.0.1", peer.LocalEndPoint));
        Assert.That(SipText.StatusCode(peer.ReceiveText(Wait)), Is.EqualTo(200), "the server goes on serving");
    }

    /// <summary>More than SipMessage.MaxHeaders (256) header lines: the parse stops there, so the message cannot be answered (its Call-ID may lie beyond); it is dropped, counted and logged.</summary>
    [TestCase(300, "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKx\r\n")]
    [TestCase(10_000, "X:a\r\n")]
    public async Task MoreHeaderLinesThanTheLimit_DroppedCountedLogged_ServerKeepsServing(int count, string line)
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", "SlSendReply(200, \"OK\");");
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();

        peer.Send(host.EndPoint, Options(string.Concat(Enumerable.Repeat(line, count))).Replace("PORT", peer.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));

        await UdpCoreTests.Eventually(() => host.Counters[SipCounter.ParseErrorsDropped] == 1);
        peer.AssertNothingReceived("an unanswerable message gets no reply");
        Assert.That(RunningHost.Logs(), Has.Some.Contains("SIP parse error").And.Some.Contains("dropped"));
        peer.Send(host.EndPoint, SipText.Request("OPTIONS", "sip:x@127.0.0.1", peer.LocalEndPoint));
        Assert.That(SipText.StatusCode(peer.ReceiveText(Wait)), Is.EqualTo(200));
    }

    [Test]
    public async Task ContentLengthLyingEitherWay_OnUdp_AnsweredOrRefused_NeverCrashes()
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", "SlSendReply(200, \"OK\");");
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();
        var longer = Options(string.Empty).Replace("Content-Length: 0", "Content-Length: 500", StringComparison.Ordinal).Replace("PORT", peer.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var shorter = Options(string.Empty, callId: "short@test").Replace("Content-Length: 0", "Content-Length: 2", StringComparison.Ordinal).Replace("PORT", peer.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal) + "v=0\r\nmore body than declared";

        peer.Send(host.EndPoint, longer);
        var first = peer.ReceiveText(Wait);
        peer.Send(host.EndPoint, shorter);
        var second = peer.ReceiveText(Wait);

        Assert.That(SipText.StatusCode(first), Is.EqualTo(400), "RFC 3261 §18.3: a body shorter than Content-Length on UDP is an error");
        Assert.That(SipText.StatusCode(second), Is.EqualTo(200), "RFC 3261 §18.3: extra bytes after Content-Length on UDP are discarded");
        await UdpCoreTests.Eventually(() => host.Counters[SipCounter.ParseErrorsAnswered] == 1);
    }
}
