using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.IntegrationTests.Transport;

namespace ScriptedSip.IntegrationTests.Transactions;

/// <summary>Header edits made in reply routes reach the relayed reply, on every relay path.</summary>
public sealed class ReplyRouteEditTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private const string ReplyRoute = """
        RemoveHf("X-Internal");
        AppendHf("X-Seen-By: proxy\r\n");
        """;

    [TestCase(180, TestName = "Provisional_RelayedAtOnce_CarriesTheReplyRoutesEdits")]
    [TestCase(200, TestName = "Final2xx_RelayedAtOnce_CarriesTheReplyRoutesEdits")]
    [TestCase(486, TestName = "NegativeFinal_CollectedThenRelayed_CarriesTheReplyRoutesEdits")]
    public async Task ReplyRouteRemovesAndAppendsHeaders_TheCallerSeesTheEditedReply(int status)
    {
        using var callee = new UdpPeer();
        using var deployment = new TestDeployment()
            .WithScript("request_route.csx", $"TRelay(\"sip:{callee.LocalEndPoint}\");")
            .WithScript("reply_route.csx", ReplyRoute);
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();
        var callId = $"reply-edit-{status}@test";

        caller.Send(host.EndPoint, SipText.Request("MESSAGE", "sip:x@127.0.0.1", caller.LocalEndPoint, callId));
        var relayed = callee.ReceiveText(Wait);
        callee.Send(host.EndPoint, ReplyTo(relayed, status, callId));

        var reply = ReceiveStatus(caller, status);
        Assert.That(SipText.Header(reply, "X-Internal"), Is.Null, "removed by the reply route");
        Assert.That(SipText.Header(reply, "X-Seen-By"), Is.EqualTo("proxy"), "appended by the reply route");
        Assert.That(SipText.Header(reply, "X-Kept"), Is.EqualTo("yes"), "headers the route left alone stay");
        Assert.That(reply.Split("\r\n").Count(l => l.StartsWith("Via:", StringComparison.Ordinal)), Is.EqualTo(1), "our Via is still removed");
    }

    [Test]
    public async Task StatelessRelay_ReplyRouteEditsApplied()
    {
        using var callee = new UdpPeer();
        using var deployment = new TestDeployment()
            .WithScript("request_route.csx", $"Forward(\"sip:{callee.LocalEndPoint}\");")
            .WithScript("reply_route.csx", ReplyRoute);
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();
        const string CallId = "reply-edit-stateless@test";

        caller.Send(host.EndPoint, SipText.Request("MESSAGE", "sip:x@127.0.0.1", caller.LocalEndPoint, CallId));
        var relayed = callee.ReceiveText(Wait);
        callee.Send(host.EndPoint, ReplyTo(relayed, 202, CallId));

        var reply = ReceiveStatus(caller, 202);
        Assert.That(SipText.Header(reply, "X-Internal"), Is.Null);
        Assert.That(SipText.Header(reply, "X-Seen-By"), Is.EqualTo("proxy"));
    }

    private static string ReplyTo(string request, int status, string callId)
    {
        var via = string.Join("\r\n", request.Split("\r\n").Where(l => l.StartsWith("Via:", StringComparison.Ordinal)));
        return $"SIP/2.0 {status} Whatever\r\n{via}\r\nFrom: {SipText.Header(request, "From")}\r\nTo: {SipText.Header(request, "To")};tag=c\r\n" +
            $"Call-ID: {callId}\r\nCSeq: 1 MESSAGE\r\nX-Internal: 10.0.0.7\r\nX-Kept: yes\r\nContent-Length: 0\r\n\r\n";
    }

    private static string ReceiveStatus(UdpPeer peer, int status)
    {
        while (peer.Receive(Wait) is { } datagram)
        {
            if (SipText.StatusCode(datagram.Text) == status)
            {
                return datagram.Text;
            }
        }

        Assert.Fail($"no {status} reached the caller");
        return "";
    }
}
