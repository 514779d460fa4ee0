using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Registrar;

/// <summary>The NatHelper plugin from a script: NAT detection, the Contact alias and its way back.</summary>
[NonParallelizable]
public sealed class NatHelperTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    private const string Script = """
        using ScriptedSip.Plugins.NatHelper;
        var nat = Plugin<NatHelper>();
        if (IsMethod("OPTIONS"))
        {
            SlSendReply(nat.NatUacTest(Message, NatTest.PrivateContact | NatTest.ViaPortDiffers) ? 299 : 298, "nat test");
            return;
        }

        if (nat.HandleRuriAlias(Message) || nat.SetContactAlias(Message))
        {
            TRelay();
            return;
        }

        SlSendReply(500, "nothing to do");
        """;

    [TestCase("Contact: <sip:alice@192.168.1.20:5060>", true, TestName = "Private Contact address → behind NAT")]
    [TestCase(null, false, TestName = "Contact and Via name the source → not behind NAT")]
    public async Task NatUacTest_PrivateContactOrViaPort(string? contact, bool nated)
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", Script).WithShippedPlugin("NatHelper");
        await using var host = await RunningHost.StartAsync(deployment);
        using var phone = new UdpPeer();
        var request = SipText.Request("OPTIONS", $"sip:{host.EndPoint}", phone.LocalEndPoint);
        if (contact is not null)
        {
            request = request.Replace($"Contact: <sip:alice@{phone.LocalEndPoint.Address}:{phone.LocalEndPoint.Port}>", contact, StringComparison.Ordinal);
        }

        phone.Send(host.EndPoint, request);

        Assert.That(SipText.StatusCode(phone.ReceiveText(Wait)), Is.EqualTo(nated ? 299 : 298));
    }

    [Test]
    public async Task SetContactAlias_ThenHandleRuriAlias_ReachesTheNatedSourceWithTheAliasRemoved()
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", Script).WithShippedPlugin("NatHelper");
        await using var host = await RunningHost.StartAsync(deployment);
        using var phone = new UdpPeer();
        using var next = new UdpPeer();

        // A request whose Contact names a private address: the relayed Contact carries the real source.
        phone.Send(host.EndPoint, SipText.Request("MESSAGE", $"sip:bob@{next.LocalEndPoint}", phone.LocalEndPoint)
            .Replace($"Contact: <sip:alice@{phone.LocalEndPoint.Address}:{phone.LocalEndPoint.Port}>", "Contact: <sip:alice@192.168.1.20:5060>", StringComparison.Ordinal));
        var relayed = next.ReceiveText(Wait);
        Assert.That(SipText.Header(relayed, "Contact"), Is.EqualTo($"<sip:alice@192.168.1.20:5060;alias=127.0.0.1~{phone.Port}~1>"));

        // A request to that Contact goes to the alias address, without the parameter.
        using var caller = new UdpPeer();
        caller.Send(host.EndPoint, SipText.Request("MESSAGE", $"sip:alice@192.168.1.20:5060;alias=127.0.0.1~{phone.Port}~1", caller.LocalEndPoint));
        Assert.That(phone.ReceiveText(Wait), Does.StartWith("MESSAGE sip:alice@192.168.1.20:5060 SIP/2.0"));
    }
}
