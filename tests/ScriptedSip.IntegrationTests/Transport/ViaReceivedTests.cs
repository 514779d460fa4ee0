using System.Text.RegularExpressions;
using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Transport;

/// <summary>
/// RFC 3261 §18.2.1 and RFC 3581: a request passed on carries the sender's Via with
/// <c>received</c> (when its sent-by is not the address it came from) and a filled-in
/// <c>rport</c>, so the reply relayed back by Via reaches the sender by address — no DNS for a
/// sent-by host name, and through a NAT.
/// </summary>
public sealed class ViaReceivedTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Test]
    public async Task ViaWithAHostNameAndRport_GetsReceivedAndRport_AndTheReplyComesBackByAddress()
    {
        using var callee = new UdpPeer();
        using var deployment = ForwardingTo(callee);
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();

        // A sent-by no DNS knows (.invalid, RFC 2606) and a port nobody listens on: only
        // received + rport lead back to the caller.
        var request = WithTopVia(SipText.Request("MESSAGE", "sip:x@127.0.0.1", caller.LocalEndPoint, "via-received@test"), "SIP/2.0/UDP phone.invalid:5999;branch=z9hG4bKviarcv1;rport");
        caller.Send(host.EndPoint, request);

        var forwarded = callee.ReceiveText(Wait);
        var vias = forwarded.Split("\r\n").Where(l => l.StartsWith("Via:", StringComparison.Ordinal)).ToArray();
        Assert.That(vias, Has.Length.EqualTo(2));
        Assert.That(vias[1], Is.EqualTo($"Via: SIP/2.0/UDP phone.invalid:5999;branch=z9hG4bKviarcv1;rport={caller.LocalEndPoint.Port};received=127.0.0.1"));

        callee.Send(host.EndPoint, ProxiedCall.Reply(forwarded, 202, "Accepted"));
        var reply = caller.ReceiveText(Wait);
        Assert.That(SipText.StatusCode(reply), Is.EqualTo(202), "relayed to received:rport, not to phone.invalid:5999");
    }

    [Test]
    public async Task ReceivedAndRportTheSenderWrote_AreOverwritten_WithWhereThePacketCameFrom()
    {
        using var callee = new UdpPeer();
        using var deployment = ForwardingTo(callee);
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();

        // A sender that names another address for its replies (loopback, so nothing leaves the machine).
        var via = $"SIP/2.0/UDP 127.0.0.1:{caller.LocalEndPoint.Port};received=127.0.0.9;rport=9;branch=z9hG4bKviarcv4";
        caller.Send(host.EndPoint, WithTopVia(SipText.Request("MESSAGE", "sip:x@127.0.0.1", caller.LocalEndPoint, "via-overwrite@test"), via));

        var forwarded = callee.ReceiveText(Wait);
        Assert.That(
            SenderVia(forwarded),
            Is.EqualTo($"Via: SIP/2.0/UDP 127.0.0.1:{caller.LocalEndPoint.Port};received=127.0.0.1;rport={caller.LocalEndPoint.Port};branch=z9hG4bKviarcv4"));
        callee.Send(host.EndPoint, ProxiedCall.Reply(forwarded, 202, "Accepted"));
        Assert.That(SipText.StatusCode(caller.ReceiveText(Wait)), Is.EqualTo(202), "the reply went where the request came from");
    }

    [Test]
    public async Task ViaThatMatchesTheSource_WithoutRport_IsLeftAsItIs()
    {
        using var callee = new UdpPeer();
        using var deployment = ForwardingTo(callee);
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();
        var via = $"SIP/2.0/UDP 127.0.0.1:{caller.LocalEndPoint.Port};branch=z9hG4bKviarcv2";
        caller.Send(host.EndPoint, WithTopVia(SipText.Request("MESSAGE", "sip:x@127.0.0.1", caller.LocalEndPoint, "via-unchanged@test"), via));

        var forwarded = callee.ReceiveText(Wait);
        Assert.That(SenderVia(forwarded), Is.EqualTo("Via: " + via));
    }

    [Test]
    public async Task StatefulRelay_MarksTheViaToo()
    {
        using var callee = new UdpPeer();
        using var deployment = new TestDeployment().WithScript("request_route.csx", $"Du = \"sip:{callee.LocalEndPoint}\"; TRelay();");
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();
        caller.Send(host.EndPoint, WithTopVia(SipText.Request("MESSAGE", "sip:x@127.0.0.1", caller.LocalEndPoint, "via-stateful@test"), "SIP/2.0/UDP phone.invalid;branch=z9hG4bKviarcv3"));

        var forwarded = callee.ReceiveText(Wait);
        Assert.That(SenderVia(forwarded), Is.EqualTo("Via: SIP/2.0/UDP phone.invalid;branch=z9hG4bKviarcv3;received=127.0.0.1"));
    }

    private static TestDeployment ForwardingTo(UdpPeer callee) =>
        new TestDeployment().WithScript("request_route.csx", $"Forward(\"sip:{callee.LocalEndPoint}\");");

    /// <summary>The last Via of a forwarded request: the sender's, as the proxy passed it on.</summary>
    private static string SenderVia(string forwarded) =>
        forwarded.Split("\r\n").Last(l => l.StartsWith("Via:", StringComparison.Ordinal));

    private static string WithTopVia(string request, string via) =>
        Regex.Replace(request, "^Via: [^\r]*", "Via: " + via, RegexOptions.Multiline);
}
