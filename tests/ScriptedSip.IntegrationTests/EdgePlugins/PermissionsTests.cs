using System.Globalization;
using System.Text.Json.Nodes;
using ScriptedSip.Core.Stats;
using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.IntegrationTests.Transport;

namespace ScriptedSip.IntegrationTests.EdgePlugins;

/// <summary>
/// The Permissions plugin behind the shipped nosip_msg.csx: only the trusted group may resume, and
/// the group follows hostsettings.json while the server runs.
/// </summary>
[NonParallelizable]
public sealed class PermissionsTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Test]
    public async Task ResumeFrom127002_ResumesNothingWithTheShippedGroup_AddingItAtRunTime_MakesItWork()
    {
        using var uas = new UdpPeer();
        using var deployment = new TestDeployment(StatefulProxyTestsSettings())
            .WithShippedScripts()
            .WithScript("request_route.csx", "TSuspend(); Shv[Ci!] = $\"{TIndex}:{TLabel}\";");
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();
        using var untrusted = new UdpPeer("127.0.0.2");

        var first = await SuspendOneCall(host, caller, uas, "call-1");
        untrusted.Send(host.EndPoint, $":KREQUEST-RESUME-TRANSACTION:{first}:RESUME:");
        await UdpCoreTests.Eventually(() => host.Counters[SipCounter.NoSipRouted] >= 1);
        Assert.That(host.Counters[SipCounter.Resumed], Is.Zero, "127.0.0.2 is not in the shipped trusted group");
        Assert.That(uas.Receive(TimeSpan.FromMilliseconds(200)), Is.Null, "nothing was relayed");

        // The operator adds 127.0.0.2 to the group in hostsettings.json; the plugin takes it without a restart.
        deployment.WithSettings(new JsonArray("127.0.0.1/32", "127.0.0.2/32"), "Plugins", "Permissions", "Groups", "trusted");
        await UdpCoreTests.Eventually(() => RunningHost.Logs().Any(l => l.Contains("Permissions reloaded: 1 group(s), 2 entries", StringComparison.Ordinal)), 10_000);

        untrusted.Send(host.EndPoint, $":KREQUEST-RESUME-TRANSACTION:{first}:RESUME:");
        await UdpCoreTests.Eventually(() => host.Counters[SipCounter.Resumed] == 1);
        Assert.That(uas.ReceiveText(Wait), Does.StartWith("INVITE "), "the resumed call was relayed by RESUME.csx");
    }

    [Test]
    public async Task BadEntryAtRunTime_IsRefusedWithTheEntryNamed_ThePreviousGroupKeepsServing()
    {
        using var uas = new UdpPeer();
        using var deployment = new TestDeployment(StatefulProxyTestsSettings())
            .WithShippedScripts()
            .WithScript("request_route.csx", "TSuspend(); Shv[Ci!] = $\"{TIndex}:{TLabel}\";");
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();
        using var trusted = new UdpPeer("127.0.0.1");

        deployment.WithSettings(new JsonArray("127.0.0.2/32", "10.1.2.3/16"), "Plugins", "Permissions", "Groups", "trusted");
        await UdpCoreTests.Eventually(() => RunningHost.Logs().Any(l => l.Contains("Plugins:Permissions:Groups:trusted:1: '10.1.2.3/16' has host bits set after /16", StringComparison.Ordinal)), 10_000);

        var id = await SuspendOneCall(host, caller, uas, "call-2");
        trusted.Send(host.EndPoint, $":KREQUEST-RESUME-TRANSACTION:{id}:RESUME:");
        await UdpCoreTests.Eventually(() => host.Counters[SipCounter.Resumed] == 1);
        Assert.That(uas.ReceiveText(Wait), Does.StartWith("INVITE "), "127.0.0.1 is still trusted: the bad change was not applied");
    }

    [Test]
    public async Task BadEntryAtStart_ThePluginIsNotLoaded_WithTheEntryNamed()
    {
        using var deployment = new TestDeployment()
            .WithShippedPlugin("Permissions")
            .WithSettings(new JsonArray("127.0.0.1/32", "300.0.0.0/8"), "Plugins", "Permissions", "Groups", "trusted")
            .WithScript("request_route.csx", "SlSendReply(200, \"OK\");");
        await using var host = await RunningHost.StartAsync(deployment);

        Assert.That(host.Plugins.Errors, Has.One.EqualTo("plugin Permissions: Plugins:Permissions:Groups:trusted:1: '300.0.0.0/8': '300.0.0.0' is not an IP address"));
    }

    private static string StatefulProxyTestsSettings() => Transactions.StatefulProxyTests.Settings("\"FrTimerMs\": 20000, \"WaitMs\": 300");

    private static async Task<string> SuspendOneCall(RunningHost host, UdpPeer caller, UdpPeer uas, string callId)
    {
        caller.Send(host.EndPoint, SipText.Request("INVITE", $"sip:bob@127.0.0.1:{uas.Port}", caller.LocalEndPoint, callId: callId));
        Assert.That(SipText.StatusCode(caller.ReceiveText(Wait)), Is.EqualTo(100));
        await UdpCoreTests.Eventually(() => host.Shv.ContainsKey(callId));
        var id = (string)host.Shv[callId]!;
        _ = uint.Parse(id.Split(':')[0], CultureInfo.InvariantCulture);
        return id;
    }
}
