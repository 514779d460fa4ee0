using Microsoft.Extensions.DependencyInjection;
using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.Sdk.Plugins;

namespace ScriptedSip.IntegrationTests.Transport;

/// <summary>
/// A plugin's own request (<c>ISipHost.SendRequestAsync</c>, e.g. a dispatcher's OPTIONS probe) to
/// a host name not cached yet goes out when DNS answers (dnsmasq on loopback), instead of failing
/// with 503 until a later call finds the answer cached.
/// </summary>
[NonParallelizable]
public sealed class LocalRequestLocationTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Test]
    public async Task ProbeToANameNotCachedYet_IsSentWhenDnsAnswers_AndGetsItsReply()
    {
        using var uas = new UdpPeer();
        using var dns = await Dnsmasq.StartAsync("--host-record=probe.localreq.test,127.0.0.1");
        using var deployment = new TestDeployment(dns.HostSettings()).WithScript("request_route.csx", "SlSendReply(404, \"Not Found\");");
        await using var host = await RunningHost.StartAsync(deployment);
        var sip = host.Host.Services.GetRequiredService<ISipHost>();

        var status = sip.SendRequestAsync("OPTIONS", $"sip:probe.localreq.test:{uas.Port}", "sip:probe@localreq.test", null, Wait, CancellationToken.None);
        var probe = uas.ReceiveText(Wait);
        Assert.That(probe, Does.StartWith($"OPTIONS sip:probe.localreq.test:{uas.Port} SIP/2.0\r\n"));
        uas.Send(host.EndPoint, ProxiedCall.Reply(probe, 200, "OK"));

        Assert.That(await status.WaitAsync(Wait), Is.EqualTo(200));
    }

    [Test]
    public async Task ProbeToANameThatDoesNotResolve_Is503()
    {
        using var dns = await Dnsmasq.StartAsync("--host-record=other.localreq.test,127.0.0.1");
        using var deployment = new TestDeployment(dns.HostSettings()).WithScript("request_route.csx", "SlSendReply(404, \"Not Found\");");
        await using var host = await RunningHost.StartAsync(deployment);
        var sip = host.Host.Services.GetRequiredService<ISipHost>();

        var status = await sip.SendRequestAsync("OPTIONS", "sip:nosuch.localreq.test:5099", "sip:probe@localreq.test", null, Wait, CancellationToken.None).WaitAsync(Wait);

        Assert.That(status, Is.EqualTo(503));
    }
}
