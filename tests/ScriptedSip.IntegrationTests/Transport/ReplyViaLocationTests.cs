using ScriptedSip.Core.Stats;
using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Transport;

/// <summary>
/// A reply relayed statelessly to a Via whose sent-by is a host name without <c>received</c> (a
/// request this server did not pass on itself) is sent when DNS answers for that name (dnsmasq on
/// loopback, RFC 3263 §5), not dropped until a retransmission finds the answer cached.
/// </summary>
[NonParallelizable]
public sealed class ReplyViaLocationTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Test]
    public async Task ReplyToAViaHostNameNotCachedYet_IsRelayedWhenDnsAnswers()
    {
        using var callee = new UdpPeer();
        using var caller = new UdpPeer();
        using var dns = await Dnsmasq.StartAsync("--host-record=upstream.replyvia.test,127.0.0.1");
        using var deployment = new TestDeployment(dns.HostSettings()).WithScript("request_route.csx", $"Forward(\"sip:{callee.LocalEndPoint}\");");
        await using var host = await RunningHost.StartAsync(deployment);

        caller.Send(host.EndPoint, SipText.Request("MESSAGE", "sip:x@127.0.0.1", caller.LocalEndPoint, "reply-via-located@test"));
        var forwarded = callee.ReceiveText(Wait);

        var reply = AcceptedWithSenderVia(forwarded, $"SIP/2.0/UDP upstream.replyvia.test:{caller.LocalEndPoint.Port};branch=z9hG4bKreplyvia1");
        Assert.That(reply, Does.Contain("upstream.replyvia.test"), "the test rewrote the sender's Via");
        callee.Send(host.EndPoint, reply);

        Assert.That(SipText.StatusCode(caller.ReceiveText(Wait)), Is.EqualTo(202), "relayed to the address DNS gave for the Via's host");
        await UdpCoreTests.Eventually(() => host.Counters[SipCounter.ForwardedReplies] == 1);
        Assert.That(host.Counters[SipCounter.DroppedReplies], Is.Zero);
    }

    [Test]
    public async Task ReplyToAViaHostNameWithoutPort_GoesToThePortOfItsSrvRecord()
    {
        // RFC 3263 §5: a sent-by name without a port is located by SRV for the Via's transport; the
        // caller listens on the SRV record's port, not on 5060.
        using var callee = new UdpPeer();
        using var caller = new UdpPeer();
        using var dns = await Dnsmasq.StartAsync(
            $"--srv-host=_sip._udp.srvvia.test,caller-host.srvvia.test,{caller.LocalEndPoint.Port},0,10",
            "--host-record=caller-host.srvvia.test,127.0.0.1");
        using var deployment = new TestDeployment(dns.HostSettings()).WithScript("request_route.csx", $"Forward(\"sip:{callee.LocalEndPoint}\");");
        await using var host = await RunningHost.StartAsync(deployment);

        caller.Send(host.EndPoint, SipText.Request("MESSAGE", "sip:x@127.0.0.1", caller.LocalEndPoint, "reply-via-srv@test"));
        var forwarded = callee.ReceiveText(Wait);
        callee.Send(host.EndPoint, AcceptedWithSenderVia(forwarded, "SIP/2.0/UDP srvvia.test;branch=z9hG4bKreplyviasrv"));

        Assert.That(SipText.StatusCode(caller.ReceiveText(Wait)), Is.EqualTo(202), "relayed to the SRV target's address and port");
        await UdpCoreTests.Eventually(() => host.Counters[SipCounter.ForwardedReplies] == 1);
    }

    /// <summary>
    /// A 202 to <paramref name="forwarded"/> as if the request had come through a proxy that did not
    /// mark the Via: the sender's (last) Via is replaced by <paramref name="senderVia"/>, a host name
    /// without received or rport.
    /// </summary>
    private static string AcceptedWithSenderVia(string forwarded, string senderVia)
    {
        var lines = ProxiedCall.Reply(forwarded, 202, "Accepted").Split("\r\n");
        lines[Array.FindLastIndex(lines, l => l.StartsWith("Via:", StringComparison.Ordinal))] = "Via: " + senderVia;
        return string.Join("\r\n", lines);
    }
}
