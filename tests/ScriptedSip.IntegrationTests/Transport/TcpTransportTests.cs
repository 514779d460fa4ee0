using System.Net;
using ScriptedSip.Core.Stats;
using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Transport;

/// <summary>SIP over TCP: listeners, framing, replies on the request's connection, outgoing connections.</summary>
public sealed class TcpTransportTests
{
    internal static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    internal static string Settings(string tcp = "", string transactions = "\"FrTimerMs\": 3000, \"WaitMs\": 300") =>
        TestDeployment.DefaultSettings($$"""
            "Transactions": { {{transactions}} },
            "Tcp": { {{tcp}} },
            """).Replace("\"Listen\": [ \"udp:127.0.0.1:0\" ]", "\"Listen\": [ \"udp:127.0.0.1:0\", \"tcp:127.0.0.1:0\" ]", StringComparison.Ordinal);

    internal static IPEndPoint TcpEndPoint(RunningHost host) => host.Server.StreamListeners[0].LocalEndPoint;

    /// <summary>A request as a TCP client writes it: Via transport TCP, sent-by its own address.</summary>
    internal static string TcpRequest(string method, string uri, IPEndPoint from, string? callId = null, string? extraHeaders = null, string body = "", string? toTag = null) =>
        SipText.Request(method, uri, from, callId, extraHeaders, body, toTag).Replace("SIP/2.0/UDP", "SIP/2.0/TCP", StringComparison.Ordinal);

    [Test]
    public async Task Options_OverTcp_AnsweredOnTheSameConnection_ProtoRpRiSeenByTheScript()
    {
        using var deployment = new TestDeployment(Settings())
            .WithScript("request_route.csx", "SlSendReply(200, $\"OK {Proto} {Ri}:{Rp}\");");
        await using var host = await RunningHost.StartAsync(deployment);
        using var client = await StreamPeer.ConnectAsync(TcpEndPoint(host));

        await client.SendAsync(TcpRequest("OPTIONS", "sip:x@127.0.0.1", client.LocalEndPoint, callId: "tcp1@test"));
        var reply = await client.ReceiveAsync(Wait);

        Assert.That(reply, Does.StartWith($"SIP/2.0 200 OK tcp 127.0.0.1:{TcpEndPoint(host).Port}\r\n"));
        Assert.That(SipText.Header(reply!, "Via"), Does.StartWith("SIP/2.0/TCP").And.Contain("received=127.0.0.1"));
        Assert.That(host.Counters[SipCounter.TcpAccepted], Is.EqualTo(1));
        Assert.That(host.Counters[SipCounter.TcpMessages], Is.EqualTo(1));
    }

    [Test]
    public async Task DoubleCrlfPing_AnsweredWithOneCrlf_ConnectionStaysUsable()
    {
        using var deployment = new TestDeployment(Settings()).WithScript("request_route.csx", "SlSendReply(200, \"OK\");");
        await using var host = await RunningHost.StartAsync(deployment);
        using var client = await StreamPeer.ConnectAsync(TcpEndPoint(host));

        await client.SendAsync("\r\n\r\n");
        await client.SendAsync(TcpRequest("OPTIONS", "sip:x@127.0.0.1", client.LocalEndPoint));
        var reply = await client.ReceiveAsync(Wait);

        Assert.That(SipText.StatusCode(reply!), Is.EqualTo(200));
        Assert.That(host.Counters[SipCounter.TcpKeepAlives], Is.EqualTo(1));
    }

    [Test]
    public async Task Invite_TcpInTcpOut_ReusesOneConnection_RepliesComeBackOnTheCallersConnection()
    {
        using var uasListener = StreamPeer.Listen();
        var uasEndPoint = (IPEndPoint)uasListener.LocalEndPoint!;
        using var deployment = new TestDeployment(Settings()).WithScript("request_route.csx", """
            if (IsMethod("INVITE")) { RecordRoute(); }
            Du = $"sip:{Ru!.Split('@')[1]};transport=tcp";
            if (!TRelay()) { SlSendReply(500, "Relay Failed"); }
            """);
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = await StreamPeer.ConnectAsync(TcpEndPoint(host));

        await caller.SendAsync(TcpRequest("INVITE", $"sip:bob@{uasEndPoint}", caller.LocalEndPoint, callId: "tcp-invite@test"));
        using var uas = await StreamPeer.AcceptAsync(uasListener);
        var invite = await uas.ReceiveAsync(Wait) ?? throw new AssertionException("no INVITE at the callee");
        var vias = invite.Split("\r\n").Where(l => l.StartsWith("Via:", StringComparison.Ordinal)).ToList();
        Assert.That(vias[0], Does.StartWith($"Via: SIP/2.0/TCP 127.0.0.1:{TcpEndPoint(host).Port};branch="));
        Assert.That(SipText.Header(invite, "Record-Route"), Is.EqualTo($"<sip:127.0.0.1:{TcpEndPoint(host).Port};transport=tcp;lr>"));

        var trying = await caller.ReceiveAsync(Wait);
        Assert.That(SipText.StatusCode(trying!), Is.EqualTo(100));
        await uas.SendAsync(Reply(invite, 200, "OK"));
        var ok = await caller.ReceiveAsync(Wait);
        Assert.That(SipText.StatusCode(ok!), Is.EqualTo(200));
        Assert.That(host.Counters[SipCounter.TcpConnecting], Is.EqualTo(1), "one connection opened towards the callee");
    }

    [Test]
    public async Task Invite_3000BytesOverUdp_NoTransportNamed_LeavesOverTcp_ReplyReturnsOverUdp()
    {
        using var uasListener = StreamPeer.Listen();
        var uasEndPoint = (IPEndPoint)uasListener.LocalEndPoint!;
        using var deployment = new TestDeployment(Settings()).WithScript("request_route.csx", "if (!TRelay()) { SlSendReply(500, \"Relay Failed\"); }");
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();
        var body = new string('a', 2600);

        var request = SipText.Request("INVITE", $"sip:bob@{uasEndPoint}", caller.LocalEndPoint, callId: "large@test", extraHeaders: "Content-Type: text/plain", body: body);
        Assert.That(System.Text.Encoding.UTF8.GetByteCount(request), Is.GreaterThan(2900));
        caller.Send(host.EndPoint, request);
        using var uas = await StreamPeer.AcceptAsync(uasListener);
        var invite = await uas.ReceiveAsync(Wait) ?? throw new AssertionException("no INVITE over TCP at the callee");

        Assert.That(invite, Does.StartWith("INVITE sip:bob@").And.EndWith(body));
        Assert.That(invite.Split("\r\n").First(l => l.StartsWith("Via:", StringComparison.Ordinal)), Does.StartWith("Via: SIP/2.0/TCP"));
        await uas.SendAsync(Reply(invite, 486, "Busy Here"));
        var codes = new List<int>();
        while (!codes.Contains(486) && caller.Receive(Wait) is { } reply)
        {
            codes.Add(SipText.StatusCode(reply.Text));
        }

        Assert.That(codes, Does.Contain(486), "the final reply came back to the caller over UDP");
    }

    [Test]
    public async Task Invite_TcpNextHopRefusesTheConnection_NoFailureRoute_Caller503AtOnce()
    {
        var closedPort = TcpSippTests.FreeTcpAndUdpPort();
        using var deployment = new TestDeployment(Settings(transactions: "\"FrTimerMs\": 60000, \"FrInvTimerMs\": 60000"))
            .WithScript("request_route.csx", $"TRelay(\"sip:127.0.0.1:{closedPort};transport=tcp\");");
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();

        var codes = InviteUntilFinal(caller, host, "refused-503@test");

        Assert.That(codes, Does.Contain(503), "fr timers are 60 s: the failed connect ended the branch");
    }

    [Test]
    public async Task Invite_TcpNextHopRefusesTheConnection_BranchEndsAt503AtOnce_FailureRouteRuns()
    {
        var closedPort = TcpSippTests.FreeTcpAndUdpPort();
        using var deployment = new TestDeployment(Settings(transactions: "\"FrTimerMs\": 60000, \"FrInvTimerMs\": 60000"))
            .WithScript("request_route.csx", $$"""
                TOnFailure("failed");
                if (!TRelay("sip:127.0.0.1:{{closedPort}};transport=tcp")) { SlSendReply(500, "Relay Failed"); }
                """)
            .WithScript("failed.csx", "TReply(599, \"Failure route ran\");");
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();

        caller.Send(host.EndPoint, SipText.Request("INVITE", "sip:bob@example.test", caller.LocalEndPoint, callId: "refused@test"));
        var codes = new List<string>();
        while (!codes.Any(c => c.StartsWith("SIP/2.0 599", StringComparison.Ordinal)) && caller.Receive(Wait) is { } reply)
        {
            codes.Add(reply.Text.Split("\r\n")[0]);
        }

        Assert.That(codes, Does.Contain("SIP/2.0 599 Failure route ran"), "fr timers are 60 s: only the failed connect can have ended the branch");
        Assert.That(host.Counters[SipCounter.TcpConnectFailed], Is.EqualTo(1));
        Assert.That(RunningHost.Logs(), Has.Some.Contains("(ConnectFailed): Connection refused"), "the log names the kernel's reason");
    }

    [Test]
    public async Task Invite_TcpNextHopNeverCompletesTheHandshake_BranchEndsAtConnectTimeout_503()
    {
        // A listener whose accept queue is full: the kernel drops further SYNs, so a connect to it hangs.
        using var full = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        full.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        full.Listen(0);
        var target = (IPEndPoint)full.LocalEndPoint!;
        // Linux holds backlog + 1 finished handshakes: with Listen(0), one connected filler fills the queue.
        using var filler = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        await filler.ConnectAsync(target);

        using var deployment = new TestDeployment(Settings(tcp: "\"ConnectTimeoutMs\": 500", transactions: "\"FrTimerMs\": 60000, \"FrInvTimerMs\": 60000"))
            .WithScript("request_route.csx", $"TRelay(\"sip:{target};transport=tcp\");");
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();

        var codes = InviteUntilFinal(caller, host, "connect-timeout@test");

        Assert.That(codes, Does.Contain(503), "fr timers are 60 s: the connect timeout ended the branch");
        Assert.That(host.Counters[SipCounter.TcpConnectFailed], Is.EqualTo(1));
        Assert.That(RunningHost.Logs(), Has.Some.Contains("(ConnectFailed): timed out"));
    }

    /// <summary>Sends an INVITE from <paramref name="caller"/> and returns the status codes it gets, up to the first final one.</summary>
    private static List<int> InviteUntilFinal(UdpPeer caller, RunningHost host, string callId)
    {
        caller.Send(host.EndPoint, SipText.Request("INVITE", "sip:bob@example.test", caller.LocalEndPoint, callId: callId));
        var codes = new List<int>();
        while (!codes.Any(c => c >= 200) && caller.Receive(Wait) is { } reply)
        {
            codes.Add(SipText.StatusCode(reply.Text));
        }

        return codes;
    }

    /// <summary>A reply to <paramref name="request"/> as a UAS writes it: every Via, Record-Route copied, a To tag.</summary>
    internal static string Reply(string request, int code, string reason, string? contact = null)
    {
        var lines = request.Split("\r\n");
        var copied = lines.TakeWhile(l => l.Length > 0)
            .Where(l => l.StartsWith("Via:", StringComparison.Ordinal) || l.StartsWith("Record-Route:", StringComparison.Ordinal)
                || l.StartsWith("From:", StringComparison.Ordinal) || l.StartsWith("Call-ID:", StringComparison.Ordinal) || l.StartsWith("CSeq:", StringComparison.Ordinal));
        var to = SipText.Header(request, "To") + (SipText.Header(request, "To")!.Contains(";tag=", StringComparison.Ordinal) ? string.Empty : ";tag=uas");
        return $"SIP/2.0 {code} {reason}\r\n{string.Join("\r\n", copied)}\r\nTo: {to}\r\n"
            + (contact is null ? string.Empty : $"Contact: <{contact}>\r\n") + "Content-Length: 0\r\n\r\n";
    }
}
