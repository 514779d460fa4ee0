using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Transport;

/// <summary>
/// Calls to a domain located by RFC 3263 through a real DNS server (dnsmasq on loopback): the best
/// SRV target first, failover to the next on silence, 503 or a failed connect, NAPTR choosing TCP,
/// 503 "Unresolvable destination" into the failure route, and the DNS cache on a second call.
/// </summary>
[NonParallelizable]
public sealed class DnsRoutingTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    private const string RelayScript = """
        TOnFailure("F");
        TRelay();
        """;

    private const string FailureScript = """Shv["failure_route"] = string.Join(",", BranchResults.Select(b => b.Status));""";

    [Test]
    public async Task BestPrioritySrvTargetFirst_SilentOne_FailsOverToTheNext_CallCompletes()
    {
        using var silent = new UdpPeer();
        using var answering = new UdpPeer();
        using var dns = await Dnsmasq.StartAsync(SrvPair("example.test", silent.Port, answering.Port));
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var deployment = Deployment(dns, frTimerMs: 2000);
        await using var host = await RunningHost.StartAsync(deployment, time);
        using var caller = new UdpPeer();

        caller.Send(host.EndPoint, SipText.Request("INVITE", "sip:bob@example.test", caller.LocalEndPoint));
        var atBest = silent.ReceiveText(Wait);
        Assert.That(atBest, Does.StartWith("INVITE sip:bob@example.test SIP/2.0\r\n"), "priority 10 is tried before priority 20");
        answering.AssertNothingReceived("the second target waits until the first has failed");

        time.Advance(TimeSpan.FromMilliseconds(2000)); // the first target's fr timer: no reply at all
        var atNext = answering.ReceiveText(Wait);
        Assert.That(atNext, Does.StartWith("INVITE sip:bob@example.test SIP/2.0\r\n"));
        Assert.That(Branch(atNext), Is.Not.EqualTo(Branch(atBest)), "a new client transaction per target (RFC 3263 §4.3)");
        answering.Send(host.EndPoint, Reply(atNext, 200, "OK"));

        Assert.That(SipText.StatusCode(FinalReply(caller)), Is.EqualTo(200));
        Assert.That(host.Shv.ContainsKey("failure_route"), Is.False, "failover happens before the failure route");
    }

    [Test]
    public async Task BestTargetAnswers503_NextTargetGetsTheRequest()
    {
        using var first = new UdpPeer();
        using var second = new UdpPeer();
        using var dns = await Dnsmasq.StartAsync(SrvPair("example.test", first.Port, second.Port));
        using var deployment = Deployment(dns);
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();

        caller.Send(host.EndPoint, SipText.Request("INVITE", "sip:bob@example.test", caller.LocalEndPoint));
        first.Send(host.EndPoint, Reply(first.ReceiveText(Wait), 503, "Service Unavailable"));
        var atSecond = second.ReceiveText(Wait);
        second.Send(host.EndPoint, Reply(atSecond, 486, "Busy Here"));

        Assert.That(SipText.StatusCode(FinalReply(caller)), Is.EqualTo(486), "the best of both: 486 ranks before 503");
        Assert.That(host.Shv["failure_route"], Is.EqualTo("503,486"), "the failure route runs once every target has been tried");
    }

    [Test]
    public async Task SecondCall_IsAnsweredFromTheCache()
    {
        using var uas = new UdpPeer();
        using var spare = new UdpPeer();
        using var dns = await Dnsmasq.StartAsync(SrvPair("example.test", uas.Port, spare.Port));
        using var deployment = Deployment(dns);
        await using var host = await RunningHost.StartAsync(deployment);
        using var reader = new MeterReader(host.Server.Metrics.Meter);
        using var caller = new UdpPeer();

        for (var call = 0; call < 2; call++)
        {
            caller.Send(host.EndPoint, SipText.Request("INVITE", "sip:bob@example.test", caller.LocalEndPoint));
            uas.Send(host.EndPoint, Reply(uas.ReceiveText(Wait), 200, "OK"));
            Assert.That(SipText.StatusCode(FinalReply(caller)), Is.EqualTo(200));
            if (call == 0)
            {
                Assert.That(reader.Read("dns.cache_hits"), Is.Zero);
                Assert.That(reader.Read("dns.queries"), Is.GreaterThanOrEqualTo(2), "NAPTR, then SRV");
            }
        }

        var queries = reader.Read("dns.queries");
        Assert.That(reader.Read("dns.cache_hits"), Is.EqualTo(1));
        Assert.That(reader.Read("dns.failures"), Is.Zero);
        Assert.That(reader.Read("dns.queries"), Is.EqualTo(queries));
    }

    [TestCase("nosuch.test")]
    [TestCase("dot.test")]
    [TestCase("c0.test")]
    public async Task NameThatDoesNotResolve_503UnresolvableDestination_FailureRouteRuns(string domain)
    {
        using var dns = await Dnsmasq.StartAsync(
            [
                "--srv-host=_sip._udp.dot.test",
                .. Enumerable.Range(0, 10).Select(i => $"--cname=c{i}.test,c{i + 1}.test"),
                "--host-record=c10.test,127.0.0.1",
            ]);
        using var deployment = Deployment(dns);
        await using var host = await RunningHost.StartAsync(deployment);
        using var reader = new MeterReader(host.Server.Metrics.Meter);
        using var caller = new UdpPeer();

        caller.Send(host.EndPoint, SipText.Request("INVITE", $"sip:bob@{domain}", caller.LocalEndPoint));

        Assert.That(FinalReply(caller), Does.StartWith("SIP/2.0 503 Unresolvable destination\r\n"));
        Assert.That(host.Shv["failure_route"], Is.EqualTo("503"));
        Assert.That(reader.Read("dns.failures"), Is.EqualTo(1));
        Assert.That(RunningHost.Logs(), Has.Some.Contains($"'{domain}'"), "the log line says which name and why");
    }

    [Test]
    public async Task NaptrChoosesTcp_ClosedPortFailsOverToTheNextTcpTarget()
    {
        using var listener = StreamPeer.Listen();
        var open = ((System.Net.IPEndPoint)listener.LocalEndPoint!).Port;
        var closed = UdpPeer.FreePort(); // nothing listens on TCP there: the connect is refused
        using var dns = await Dnsmasq.StartAsync(
            "--naptr-record=tcp.test,10,10,S,SIP+D2T,,_sip._tcp.tcp.test",
            "--host-record=uas.tcp.test,127.0.0.1",
            $"--srv-host=_sip._tcp.tcp.test,uas.tcp.test,{closed},10,0",
            $"--srv-host=_sip._tcp.tcp.test,uas.tcp.test,{open},20,0");
        using var deployment = Deployment(dns, tcp: true);
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();

        caller.Send(host.EndPoint, SipText.Request("INVITE", "sip:bob@tcp.test", caller.LocalEndPoint));
        using var uas = await StreamPeer.AcceptAsync(listener, timeout: Wait);
        var invite = await uas.ReceiveAsync(Wait);
        Assert.That(invite, Does.StartWith("INVITE sip:bob@tcp.test SIP/2.0\r\n"));
        Assert.That(SipText.Header(invite!, "Via"), Does.StartWith("SIP/2.0/TCP "), "NAPTR SIP+D2T: the request goes over TCP");
        await uas.SendAsync(Reply(invite!, 200, "OK"));

        Assert.That(SipText.StatusCode(FinalReply(caller)), Is.EqualTo(200));
    }

    private static string[] SrvPair(string domain, int bestPort, int nextPort) =>
    [
        $"--host-record=uas1.{domain},127.0.0.1",
        $"--host-record=uas2.{domain},127.0.0.1",
        $"--srv-host=_sip._udp.{domain},uas2.{domain},{nextPort},20,0",
        $"--srv-host=_sip._udp.{domain},uas1.{domain},{bestPort},10,0",
    ];

    private static TestDeployment Deployment(Dnsmasq dns, int frTimerMs = 30000, bool tcp = false) =>
        new TestDeployment(dns.HostSettings(tcp, $"\"Transactions\": {{ \"FrTimerMs\": {frTimerMs.ToString(CultureInfo.InvariantCulture)} }},"))
            .WithScript("request_route.csx", RelayScript)
            .WithScript("F.csx", FailureScript);

    private static string FinalReply(UdpPeer caller) => ProxiedCall.FinalReply(caller, Wait);

    private static string? Branch(string request) => ProxiedCall.Branch(request);

    private static string Reply(string request, int status, string reason) => ProxiedCall.Reply(request, status, reason);
}
