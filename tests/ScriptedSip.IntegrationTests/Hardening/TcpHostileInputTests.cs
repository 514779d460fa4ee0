using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using ScriptedSip.Core.Stats;
using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.IntegrationTests.Transport;

namespace ScriptedSip.IntegrationTests.Hardening;

/// <summary>
/// Garbage on TCP connections: each case closes that connection (after a 400 where the header section
/// allowed one), is counted and logged once, and another connection and UDP go on being served.
/// </summary>
public sealed class TcpHostileInputTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    private static Task<RunningHost> StartAsync(TestDeployment deployment) => RunningHost.StartAsync(deployment);

    private static TestDeployment Deployment(string tcp = "") =>
        new TestDeployment(TcpTransportTests.Settings(tcp)).WithScript("request_route.csx", "SlSendReply(200, \"OK\");");

    [TestCase("hello world\r\nContent-Length: 0\r\n\r\n", "no SIP start line", TestName = "NoStartLine_ClosedWithoutReply")]
    [TestCase("OPTIONS sip:x@127.0.0.1 SIP/2.0\r\n\u0001\u0002binary\r\n\r\n", null, TestName = "GarbageHeaderLine_ClosedAndCounted")]
    public async Task UnframeableStart_ConnectionClosed_CountedAndLoggedOnce(string input, string? logged)
    {
        using var deployment = Deployment();
        await using var host = await StartAsync(deployment);
        using var bystander = await StreamPeer.ConnectAsync(TcpTransportTests.TcpEndPoint(host));
        using var attacker = await StreamPeer.ConnectAsync(TcpTransportTests.TcpEndPoint(host));

        await attacker.SendAsync(input);
        var (text, closed) = await attacker.ReadUntilClosedAsync(Wait);

        Assert.That(closed, Is.True, "the connection is closed");
        await UdpCoreTests.Eventually(() => host.Counters[SipCounter.TcpBadFraming] + host.Counters[SipCounter.ParseErrorsDropped] + host.Counters[SipCounter.ParseErrorsAnswered] >= 1);
        if (logged is not null)
        {
            Assert.That(text, Is.Empty, "no 400 without a SIP start line");
            await UdpCoreTests.Eventually(() => host.Counters[SipCounter.TcpBadFraming] == 1);
            AssertLoggedOnce(attacker, "BadFraming", logged);
        }

        await AssertStillServing(host, bystander);
    }

    [TestCase("100000", TestName = "ContentLengthAboveMaxMessageSize_400ThenClosed")]
    [TestCase("-5", TestName = "NegativeContentLength_400ThenClosed")]
    [TestCase("abc", TestName = "NonNumericContentLength_400ThenClosed")]
    [TestCase(null, TestName = "MissingContentLength_400ThenClosed")]
    public async Task BadContentLength_400ThenClosed_CountedAndLoggedOnce(string? contentLength)
    {
        using var deployment = Deployment();
        await using var host = await StartAsync(deployment);
        using var bystander = await StreamPeer.ConnectAsync(TcpTransportTests.TcpEndPoint(host));
        using var attacker = await StreamPeer.ConnectAsync(TcpTransportTests.TcpEndPoint(host));
        var request = TcpTransportTests.TcpRequest("OPTIONS", "sip:x@127.0.0.1", attacker.LocalEndPoint, callId: "badcl@test");
        request = contentLength is null
            ? request.Replace("Content-Length: 0\r\n", string.Empty, StringComparison.Ordinal)
            : request.Replace("Content-Length: 0", "Content-Length: " + contentLength, StringComparison.Ordinal);

        await attacker.SendAsync(request);
        var (text, closed) = await attacker.ReadUntilClosedAsync(Wait);

        Assert.That(closed, Is.True);
        Assert.That(text, Does.StartWith("SIP/2.0 400 Bad Request\r\n"));
        Assert.That(text, Does.Contain("Call-ID: badcl@test").And.Contain("Warning: 399"));
        await UdpCoreTests.Eventually(() => host.Counters[SipCounter.TcpBadFraming] == 1);
        AssertLoggedOnce(attacker, "BadFraming", contentLength is null ? "no Content-Length" : "Content-Length");
        await AssertStillServing(host, bystander);
    }

    [Test]
    public async Task BodyShorterThanDeclared_ThenClose_CountedAsTruncated_NothingRouted()
    {
        using var deployment = Deployment();
        await using var host = await StartAsync(deployment);
        using var bystander = await StreamPeer.ConnectAsync(TcpTransportTests.TcpEndPoint(host));
        using var attacker = await StreamPeer.ConnectAsync(TcpTransportTests.TcpEndPoint(host));
        var request = TcpTransportTests.TcpRequest("OPTIONS", "sip:x@127.0.0.1", attacker.LocalEndPoint, body: new string('b', 100));

        await attacker.SendAsync(request[..^60]);
        attacker.ShutdownSend();
        await UdpCoreTests.Eventually(() => host.Counters[SipCounter.TcpTruncated] == 1);

        Assert.That(host.Counters[SipCounter.Requests], Is.Zero, "the cut message never reached a route");
        AssertLoggedOnce(attacker, "Truncated", "inside a message");
        await AssertStillServing(host, bystander);
    }

    [Test]
    public async Task OneMegabyteWithoutCrlf_ClosedOnceMaxMessageSizeIsBuffered()
    {
        using var deployment = Deployment();
        await using var host = await StartAsync(deployment);
        using var bystander = await StreamPeer.ConnectAsync(TcpTransportTests.TcpEndPoint(host));
        using var attacker = await StreamPeer.ConnectAsync(TcpTransportTests.TcpEndPoint(host));
        var junk = Encoding.ASCII.GetBytes(new string('x', 1024 * 1024));

        try
        {
            await attacker.SendAsync(junk);
        }
        catch (IOException)
        {
            // the server closed while we were still writing: that is the point
        }

        await UdpCoreTests.Eventually(() => host.Counters[SipCounter.TcpBadFraming] == 1);
        AssertLoggedOnce(attacker, "BadFraming", "no end of the header section within 65535 bytes");
        await AssertStillServing(host, bystander);
    }

    [Test]
    public async Task TlsClientHelloToTcpPort_ClosedAsBinary_HandshakeFailsAtTheClient()
    {
        using var deployment = Deployment();
        await using var host = await StartAsync(deployment);
        using var bystander = await StreamPeer.ConnectAsync(TcpTransportTests.TcpEndPoint(host));

        var handshake = StreamPeer.ConnectTlsAsync(TcpTransportTests.TcpEndPoint(host), new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null, // any certificate: the handshake must not even start
        });

        Assert.That(async () => await handshake, Throws.InstanceOf<Exception>());
        await UdpCoreTests.Eventually(() => host.Counters[SipCounter.TcpBadFraming] == 1);
        Assert.That(RunningHost.Logs().Count(l => l.Contains("(BadFraming)", StringComparison.Ordinal) && l.Contains("TLS handshake on a TCP port", StringComparison.Ordinal)), Is.GreaterThanOrEqualTo(1));
        await AssertStillServing(host, bystander);
    }

    [Test]
    public async Task HeaderThatNeverEnds_ClosedAfterHeaderTimeout()
    {
        using var deployment = Deployment("\"HeaderTimeoutMs\": 300");
        await using var host = await StartAsync(deployment);
        using var attacker = await StreamPeer.ConnectAsync(TcpTransportTests.TcpEndPoint(host));

        await attacker.SendAsync("OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5;branch=z9hG4bKslow\r\n");
        var (_, closed) = await attacker.ReadUntilClosedAsync(Wait);

        Assert.That(closed, Is.True);
        await UdpCoreTests.Eventually(() => host.Counters[SipCounter.TcpHeaderTimeouts] == 1);
        AssertLoggedOnce(attacker, "HeaderTimeout", "Tcp:HeaderTimeoutMs");
        using var next = await StreamPeer.ConnectAsync(TcpTransportTests.TcpEndPoint(host));
        await AssertStillServing(host, next);
    }

    [Test]
    public async Task FiveHundredSilentConnections_PastMaxConnectionsRefused_SilentOnesTimeOut_ServerStillServes()
    {
        const int Limit = 100;
        const int Attempts = 500;
        using var deployment = Deployment($"\"MaxConnections\": {Limit}, \"HeaderTimeoutMs\": 1000");
        await using var host = await StartAsync(deployment);
        using var udp = new UdpPeer();
        var sockets = new List<Socket>();
        try
        {
            for (var i = 0; i < Attempts; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(TcpTransportTests.TcpEndPoint(host));
                sockets.Add(socket);
            }

            await UdpCoreTests.Eventually(() => host.Counters[SipCounter.TcpAccepted] + host.Counters[SipCounter.TcpRefused] == Attempts, 10_000);
            Assert.That(host.Counters[SipCounter.TcpAccepted], Is.EqualTo(Limit));
            Assert.That(host.Counters[SipCounter.TcpRefused], Is.EqualTo(Attempts - Limit));
            Assert.That(RunningHost.Logs().Count(l => l.Contains("Tcp:MaxConnections (100) are open", StringComparison.Ordinal)), Is.InRange(1, 10), "refusals are logged at most once a second");

            udp.Send(host.EndPoint, SipText.Request("OPTIONS", "sip:x@127.0.0.1", udp.LocalEndPoint));
            Assert.That(SipText.StatusCode(udp.ReceiveText(Wait)), Is.EqualTo(200), "UDP is served while TCP is full");

            await UdpCoreTests.Eventually(() => host.Counters[SipCounter.TcpHeaderTimeouts] == Limit, 10_000);
            using var next = await StreamPeer.ConnectAsync(TcpTransportTests.TcpEndPoint(host));
            await AssertStillServing(host, next);
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
    }

    /// <summary>The other connection and UDP are answered as before.</summary>
    private static async Task AssertStillServing(RunningHost host, StreamPeer bystander)
    {
        await bystander.SendAsync(TcpTransportTests.TcpRequest("OPTIONS", "sip:x@127.0.0.1", bystander.LocalEndPoint));
        Assert.That(SipText.StatusCode(await bystander.ReceiveAsync(Wait) ?? string.Empty), Is.EqualTo(200), "another connection is served");
        using var udp = new UdpPeer();
        udp.Send(host.EndPoint, SipText.Request("OPTIONS", "sip:x@127.0.0.1", udp.LocalEndPoint));
        Assert.That(SipText.StatusCode(udp.ReceiveText(Wait)), Is.EqualTo(200), "UDP is served");
    }

    private static void AssertLoggedOnce(StreamPeer peer, string reason, string detail)
    {
        var lines = RunningHost.Logs().Where(l => l.Contains($"connection with {peer.LocalEndPoint} closed ({reason})", StringComparison.Ordinal)).ToList();
        Assert.That(lines, Has.Count.EqualTo(1), string.Join(Environment.NewLine, RunningHost.Logs().TakeLast(20)));
        Assert.That(lines[0], Does.Contain(detail));
    }
}
