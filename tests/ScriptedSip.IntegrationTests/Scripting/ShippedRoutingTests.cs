using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Scripting;

/// <summary>What real user agents showed about the shipped request route: preloaded Route sets and Max-Forwards.</summary>
[NonParallelizable]
public sealed class ShippedRoutingTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Test]
    public async Task InitialInviteWithPreloadedRouteToUs_LeavesWithoutOurRoute_AndMaxForwardsDecrementedByOne()
    {
        using var callee = new UdpPeer();
        using var deployment = new TestDeployment().WithShippedScripts();
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();

        caller.Send(host.EndPoint, SipText.Request("INVITE", $"sip:bob@{callee.LocalEndPoint}", caller.LocalEndPoint,
            extraHeaders: $"Route: <sip:{host.EndPoint};lr>"));
        var relayed = callee.ReceiveText(Wait);

        Assert.That(relayed, Does.StartWith($"INVITE sip:bob@{callee.LocalEndPoint} SIP/2.0\r\n"));
        Assert.That(SipText.Header(relayed, "Route"), Is.Null, "RFC 3261 §16.4: a proxy removes its own URI from the top of the Route set");
        Assert.That(SipText.Header(relayed, "Max-Forwards"), Is.EqualTo("69"), "decremented, not capped at the script's limit (Kamailio's mf_process_maxfwd_header)");
        Assert.That(SipText.Header(relayed, "Record-Route"), Is.EqualTo($"<sip:{host.EndPoint};lr>"));
    }

    [Test]
    public async Task InitialRequestWithPreloadedRouteThroughUsToAnotherProxy_GoesToThatProxy_RequestUriUnchanged()
    {
        using var nextProxy = new UdpPeer();
        using var deployment = new TestDeployment().WithShippedScripts();
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();

        caller.Send(host.EndPoint, SipText.Request("MESSAGE", "sip:bob@example.test", caller.LocalEndPoint,
            extraHeaders: $"Route: <sip:{host.EndPoint};lr>, <sip:{nextProxy.LocalEndPoint};lr>"));
        var relayed = nextProxy.ReceiveText(Wait);

        Assert.That(relayed, Does.StartWith("MESSAGE sip:bob@example.test SIP/2.0\r\n"));
        Assert.That(SipText.Header(relayed, "Route"), Is.EqualTo($"<sip:{nextProxy.LocalEndPoint};lr>"));
    }

    [Test]
    public async Task MissingMaxForwards_GetsTheScriptsLimit()
    {
        using var callee = new UdpPeer();
        using var deployment = new TestDeployment().WithShippedScripts();
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();

        caller.Send(host.EndPoint, SipText.Request("MESSAGE", $"sip:bob@{callee.LocalEndPoint}", caller.LocalEndPoint, maxForwards: null));

        Assert.That(SipText.Header(callee.ReceiveText(Wait), "Max-Forwards"), Is.EqualTo("10"));
    }
}
