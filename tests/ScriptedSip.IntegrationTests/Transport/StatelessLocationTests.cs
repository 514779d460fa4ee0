using ScriptedSip.Core.Stats;
using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Transport;

/// <summary>
/// Stateless forwarding (<c>Forward</c>) to a host name not cached yet: the request is sent when DNS
/// answers (dnsmasq on loopback), not dropped until a retransmission finds the answer; a name that
/// does not resolve is logged and counted as dropped.
/// </summary>
[NonParallelizable]
public sealed class StatelessLocationTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Test]
    public async Task ForwardToANameNotCachedYet_TheFirstCopyIsSentWhenDnsAnswers()
    {
        using var uas = new UdpPeer();
        using var dns = await Dnsmasq.StartAsync(
            "--host-record=uas.stateless.test,127.0.0.1",
            $"--srv-host=_sip._udp.stateless.test,uas.stateless.test,{uas.Port},10,0");
        using var deployment = Deployment(dns);
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();

        caller.Send(host.EndPoint, SipText.Request("MESSAGE", "sip:bob@stateless.test", caller.LocalEndPoint, "stateless-located@test"));
        var forwarded = uas.ReceiveText(Wait);
        Assert.That(forwarded, Does.StartWith("MESSAGE sip:bob@stateless.test SIP/2.0\r\n"));
        Assert.That(SipText.Header(forwarded, "Via"), Does.StartWith("SIP/2.0/UDP ").And.Contains(";branch=z9hG4bKsl"), "our stateless Via on top");
        Assert.That(forwarded.Split("\r\n").Count(l => l.StartsWith("Via:", StringComparison.Ordinal)), Is.EqualTo(2), "ours and the caller's");
        await UdpCoreTests.Eventually(() => host.Counters[SipCounter.ForwardedRequests] == 1);
        Assert.That(host.Counters[SipCounter.DroppedRequests], Is.Zero);

        uas.Send(host.EndPoint, ProxiedCall.Reply(forwarded, 202, "Accepted"));
        Assert.That(SipText.StatusCode(caller.ReceiveText(Wait)), Is.EqualTo(202), "the reply goes back by the Via");
    }

    [Test]
    public async Task ForwardToANameThatDoesNotResolve_LoggedAndCountedAsDropped()
    {
        using var dns = await Dnsmasq.StartAsync("--host-record=other.test,127.0.0.1");
        using var deployment = Deployment(dns);
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();

        caller.Send(host.EndPoint, SipText.Request("MESSAGE", "sip:bob@nosuch.test", caller.LocalEndPoint, "stateless-unresolvable@test"));

        await UdpCoreTests.Eventually(() => host.Counters[SipCounter.DroppedRequests] == 1);
        Assert.That(RunningHost.Logs(), Has.Some.Contains("'nosuch.test'"), "the log line names the name and why");
        Assert.That(host.Counters[SipCounter.ForwardedRequests], Is.Zero);
    }

    private static TestDeployment Deployment(Dnsmasq dns) =>
        new TestDeployment(dns.HostSettings()).WithScript("request_route.csx", "Forward();");
}
