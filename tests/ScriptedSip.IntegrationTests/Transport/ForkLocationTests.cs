using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Transport;

/// <summary>
/// Appended branches (parallel forking) are located like the first branch: a host name not cached
/// yet is looked up without blocking and the branch is sent from the answer (dnsmasq on loopback),
/// a <c>;transport=tcp</c> branch leaves over TCP, and a name that does not resolve ends its branch
/// with 503 while the others go on.
/// </summary>
[NonParallelizable]
public sealed class ForkLocationTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    private const string FailureScript = """Shv["failure_route"] = string.Join(",", BranchResults.Select(b => b.Status));""";

    [Test]
    public async Task AppendedBranchToANameNotCachedYet_IsSentWhenDnsAnswers()
    {
        using var first = new UdpPeer();
        using var located = new UdpPeer();
        using var dns = await Dnsmasq.StartAsync(
            "--host-record=uas.fork.test,127.0.0.1",
            $"--srv-host=_sip._udp.fork.test,uas.fork.test,{located.Port},10,0");
        using var deployment = Deployment(dns, $"""
            Ru = "sip:bob@{first.LocalEndPoint}";
            AppendBranch("sip:bob@fork.test");
            TOnFailure("F");
            TRelay();
            """);
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();

        caller.Send(host.EndPoint, SipText.Request("INVITE", "sip:bob@example.test", caller.LocalEndPoint));
        var atFirst = first.ReceiveText(Wait);
        var atLocated = located.ReceiveText(Wait);
        Assert.That(atLocated, Does.StartWith("INVITE sip:bob@fork.test SIP/2.0\r\n"), "the appended branch's own Request-URI");
        Assert.That(Branch(atLocated), Is.Not.EqualTo(Branch(atFirst)));
        first.Send(host.EndPoint, Reply(atFirst, 486, "Busy Here"));
        located.Send(host.EndPoint, Reply(atLocated, 200, "OK"));

        Assert.That(SipText.StatusCode(FinalReply(caller)), Is.EqualTo(200), "the located branch's answer reaches the caller");
    }

    [Test]
    public async Task AppendedBranchToANameThatDoesNotResolve_Ends503_TheOtherBranchDecides()
    {
        using var first = new UdpPeer();
        using var dns = await Dnsmasq.StartAsync("--host-record=other.test,127.0.0.1");
        using var deployment = Deployment(dns, $"""
            Ru = "sip:bob@{first.LocalEndPoint}";
            AppendBranch("sip:bob@nosuch.test");
            TOnFailure("F");
            TRelay();
            """);
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();

        caller.Send(host.EndPoint, SipText.Request("INVITE", "sip:bob@example.test", caller.LocalEndPoint));
        var atFirst = first.ReceiveText(Wait);
        await UdpCoreTests.Eventually(() => RunningHost.Logs().Any(l => l.Contains("'nosuch.test'", StringComparison.Ordinal)));
        first.Send(host.EndPoint, Reply(atFirst, 486, "Busy Here"));

        Assert.That(SipText.StatusCode(FinalReply(caller)), Is.EqualTo(486), "486 ranks before the unresolvable branch's 503");
        Assert.That(host.Shv["failure_route"], Is.EqualTo("486,503"), "both branches, each with its status");
    }

    [Test]
    public async Task AppendedBranchWithTransportTcp_LeavesOverTcp_FirstBranchOverUdp()
    {
        using var first = new UdpPeer();
        using var listener = StreamPeer.Listen();
        var tcpPort = ((System.Net.IPEndPoint)listener.LocalEndPoint!).Port;
        using var dns = await Dnsmasq.StartAsync("--host-record=unused.test,127.0.0.1");
        using var deployment = Deployment(dns, $"""
            Ru = "sip:bob@{first.LocalEndPoint}";
            AppendBranch("sip:bob@127.0.0.1:{tcpPort};transport=tcp");
            TRelay();
            """, tcp: true);
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();

        caller.Send(host.EndPoint, SipText.Request("INVITE", "sip:bob@example.test", caller.LocalEndPoint));
        var atFirst = first.ReceiveText(Wait);
        Assert.That(SipText.Header(atFirst, "Via"), Does.StartWith("SIP/2.0/UDP "));
        using var uas = await StreamPeer.AcceptAsync(listener, timeout: Wait);
        var invite = await uas.ReceiveAsync(Wait);
        Assert.That(invite, Does.StartWith($"INVITE sip:bob@127.0.0.1:{tcpPort};transport=tcp SIP/2.0\r\n"));
        Assert.That(SipText.Header(invite!, "Via"), Does.StartWith("SIP/2.0/TCP "), "the fork's own transport decides its Via and listener");
        await uas.SendAsync(Reply(invite!, 200, "OK"));

        Assert.That(SipText.StatusCode(FinalReply(caller)), Is.EqualTo(200));
    }

    private static TestDeployment Deployment(Dnsmasq dns, string script, bool tcp = false) =>
        new TestDeployment(dns.HostSettings(tcp))
            .WithScript("request_route.csx", script)
            .WithScript("F.csx", FailureScript);

    private static string FinalReply(UdpPeer caller) => ProxiedCall.FinalReply(caller, Wait);

    private static string? Branch(string request) => ProxiedCall.Branch(request);

    private static string Reply(string request, int status, string reason) => ProxiedCall.Reply(request, status, reason);
}
