using System.Globalization;
using ScriptedSip.Core.Stats;
using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.IntegrationTests.Transport;

namespace ScriptedSip.IntegrationTests.Faults;

/// <summary>
/// The callee dies mid-call: a sipp UAS that rang (180) is killed with SIGKILL. Nothing more comes
/// from it, so the fr-inv timer ends the branch: the caller gets 408 and the transaction table
/// empties. The CANCEL sent to the dead callee bounces (ICMP), which must not confuse the layer.
/// </summary>
[NonParallelizable]
public sealed class CalleeKilledTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Test]
    public async Task UasKilledWhileRinging_CallerGets408ByTheFrInvTimer_TableEmpties()
    {
        Sipp.RequireInstalled();
        var uasPort = UdpPeer.FreePort();
        using var uas = Sipp.Start("-sf", Sipp.Scenario("uas_ring_forever.xml"), "-p", uasPort.ToString(CultureInfo.InvariantCulture), "-m", "1");
        await Sipp.WaitUntilListeningAsync(uasPort);

        using var deployment = new TestDeployment(TestDeployment.DefaultSettings("\"Transactions\": { \"FrTimerMs\": 30000, \"FrInvTimerMs\": 2000, \"WaitMs\": 200 },"))
            .WithScript("request_route.csx", $"TRelay(\"sip:127.0.0.1:{uasPort}\");");
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();

        var invite = SipText.Request("INVITE", "sip:bob@127.0.0.1", caller.LocalEndPoint, callId: "killed-callee@test");
        caller.Send(host.EndPoint, invite);
        string reply;
        do
        {
            reply = caller.ReceiveText(Wait);
        }
        while (SipText.StatusCode(reply) != 180);

        uas.Kill(); // the 180 reached the caller; now the callee is gone without a word

        reply = caller.ReceiveText(Wait);
        Assert.That(SipText.StatusCode(reply), Is.EqualTo(408), reply);
        Assert.That(host.Counters[SipCounter.BranchTimeouts], Is.EqualTo(1), "the fr-inv timer ended the branch");
        Assert.That(host.Counters[SipCounter.BranchesUnreachable], Is.Zero, "the bounced CANCEL did not end anything twice");

        // The caller acknowledges the 408 (RFC 3261 §17.1.1.3); then the transaction goes after WaitMs.
        var ack = SipText.Request("ACK", "sip:bob@127.0.0.1", caller.LocalEndPoint, callId: "killed-callee@test", toTag: ToTag(reply));
        ack = ack.Replace(SipText.Header(ack, "Via")!, SipText.Header(invite, "Via")!, StringComparison.Ordinal);
        caller.Send(host.EndPoint, ack);
        await UdpCoreTests.Eventually(() => host.Server.Transactions.Table.Count == 0, 10_000);

        // The server goes on: the next call to the dead callee fails at once (ICMP, on Linux) or by its timer.
        caller.Send(host.EndPoint, SipText.Request("INVITE", "sip:bob@127.0.0.1", caller.LocalEndPoint, callId: "after-kill@test"));
        do
        {
            reply = caller.ReceiveText(TimeSpan.FromSeconds(40));
        }
        while (SipText.StatusCode(reply) < 200);

        Assert.That(SipText.StatusCode(reply), Is.AnyOf(408, 503), reply);
    }

    private static string ToTag(string reply)
    {
        var to = SipText.Header(reply, "To")!;
        return to[(to.IndexOf(";tag=", StringComparison.Ordinal) + 5)..];
    }
}
