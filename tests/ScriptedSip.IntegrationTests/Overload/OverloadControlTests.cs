using System.Net;
using ScriptedSip.Core.Stats;
using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.IntegrationTests.Transport;

namespace ScriptedSip.IntegrationTests.Overload;

/// <summary>
/// Overload control with real sockets: past a high-water mark new INVITEs get a stateless 503 with
/// Retry-After while calls in progress, OPTIONS and the ACK of the 503 are served, and refusing
/// ends once the load has gone. The transaction count is the signal here (the one a test can hold
/// exactly); the kernel-queue signal is tested in <see cref="KernelUdpQueuesTests"/>.
/// </summary>
[NonParallelizable]
public sealed class OverloadControlTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    private static string Script(int calleePort) => $$"""
        if (IsMethod("OPTIONS")) { SlSendReply(200, "OK"); return; }
        if (IsMethod("ACK")) { Xlog("route saw an ACK"); if (TCheckTrans()) TRelay(); return; }
        TRelay("sip:127.0.0.1:{{calleePort}}");
        """;

    [Test]
    public async Task OverTransactionHighWater_NewInvite503WithRetryAfter_CallsInProgressAndOptionsServed_ThenRecovers()
    {
        using var callee = new UdpPeer();
        using var caller = new UdpPeer();
        using var deployment = new TestDeployment(TestDeployment.DefaultSettings("""
            "Transactions": { "FrInvTimerMs": 60000, "WaitMs": 100 },
            "Overload": { "MaxTransactions": 3, "SampleIntervalMs": 10, "RetryAfterSeconds": 7 },
            """)).WithScript("request_route.csx", Script(callee.Port));
        await using var host = await RunningHost.StartAsync(deployment);

        // Three calls ringing at the callee: three live transactions, the high-water mark.
        var invites = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var invite = SipText.Request("INVITE", $"sip:bob@127.0.0.1:{callee.Port}", caller.LocalEndPoint, callId: $"held-{i}@test");
            invites.Add(invite);
            caller.Send(host.EndPoint, invite);
            Assert.That(SipText.StatusCode(caller.ReceiveText(Wait)), Is.EqualTo(100));
        }

        var relayed = Enumerable.Range(0, 3).Select(_ => callee.ReceiveText(Wait)).ToList();
        await UdpCoreTests.Eventually(() => host.Counters[SipCounter.OverloadEpisodes] == 1, 5000);
        Assert.That(RunningHost.Logs(), Has.Some.Contains("Overload: 3 live transactions (Overload:MaxTransactions 3)"));

        // A new call is refused statelessly, before its route: 503 with our Retry-After, nothing relayed.
        var refused = SipText.Request("INVITE", $"sip:bob@127.0.0.1:{callee.Port}", caller.LocalEndPoint, callId: "refused@test");
        caller.Send(host.EndPoint, refused);
        var reply = caller.ReceiveText(Wait);
        Assert.That(SipText.StatusCode(reply), Is.EqualTo(503), reply);
        Assert.That(SipText.Header(reply, "Retry-After"), Is.EqualTo("7"));
        await UdpCoreTests.Eventually(() => host.Counters[SipCounter.OverloadRefused] == 1); // counted after the send
        Assert.That(host.Counters[SipCounter.OverloadRefused], Is.EqualTo(1));
        Assert.That(host.Counters[SipCounter.ForwardedRequests], Is.EqualTo(3), "the refused INVITE was not relayed");

        // Its ACK (same branch, the 503's To tag) is absorbed without running the route.
        caller.Send(host.EndPoint, AckFor(refused, SipText.Header(reply, "To")!));
        await UdpCoreTests.Eventually(() => host.Counters[SipCounter.FilteredAcks] == 1);
        Assert.That(RunningHost.Logs(), Has.None.Contains("route saw an ACK"));

        // OPTIONS are still answered, and a call in progress still completes.
        caller.Send(host.EndPoint, SipText.Request("OPTIONS", "sip:127.0.0.1", caller.LocalEndPoint));
        Assert.That(SipText.StatusCode(caller.ReceiveText(Wait)), Is.EqualTo(200));
        callee.Send(host.EndPoint, SipText.ReplyTo(relayed[0], 200, "OK"));
        Assert.That(SipText.StatusCode(caller.ReceiveText(Wait)), Is.EqualTo(200), "the call in progress is answered");

        // The load goes: the other two calls end, the table empties, refusing ends, a new call is relayed.
        callee.Send(host.EndPoint, SipText.ReplyTo(relayed[1], 486, "Busy Here"));
        callee.Send(host.EndPoint, SipText.ReplyTo(relayed[2], 486, "Busy Here"));
        for (var i = 0; i < 2; i++)
        {
            var busy = caller.ReceiveText(Wait);
            Assert.That(SipText.StatusCode(busy), Is.EqualTo(486));
            var call = invites.Single(invite => SipText.Header(invite, "Call-ID") == SipText.Header(busy, "Call-ID"));
            caller.Send(host.EndPoint, AckFor(call, SipText.Header(busy, "To")!)); // ends the server transaction
        }

        await UdpCoreTests.Eventually(() => RunningHost.Logs().Any(l => l.Contains("Overload over after", StringComparison.Ordinal)), 10_000);
        Assert.That(RunningHost.Logs(), Has.Some.Contains("1 new INVITEs were answered 503"));

        caller.Send(host.EndPoint, SipText.Request("INVITE", $"sip:bob@127.0.0.1:{callee.Port}", caller.LocalEndPoint, callId: "after@test"));
        string next;
        do
        {
            next = callee.ReceiveText(Wait); // skipping the proxy's ACKs of the two 486s
        }
        while (next.StartsWith("ACK ", StringComparison.Ordinal));

        Assert.That(SipText.Header(next, "Call-ID"), Is.EqualTo("after@test"));
    }

    [Test]
    public async Task Disabled_NoRefusalOverTheMark()
    {
        using var callee = new UdpPeer();
        using var caller = new UdpPeer();
        using var deployment = new TestDeployment(TestDeployment.DefaultSettings("""
            "Transactions": { "FrInvTimerMs": 60000 },
            "Overload": { "Enabled": false, "MaxTransactions": 1, "SampleIntervalMs": 10 },
            """)).WithScript("request_route.csx", Script(callee.Port));
        await using var host = await RunningHost.StartAsync(deployment);

        for (var i = 0; i < 3; i++)
        {
            caller.Send(host.EndPoint, SipText.Request("INVITE", $"sip:bob@127.0.0.1:{callee.Port}", caller.LocalEndPoint, callId: $"off-{i}@test"));
            Assert.That(SipText.Header(callee.ReceiveText(Wait), "Call-ID"), Is.EqualTo($"off-{i}@test"), "relayed although over Overload:MaxTransactions");
        }

        Assert.That(host.Counters[SipCounter.OverloadRefused], Is.Zero);
        Assert.That(host.Server.Overload!.KernelDrops, Is.Zero, "never sampled while disabled");
    }

    [Test]
    public async Task AckOfAScriptsStatelessReply_IsAbsorbed_AckOfARelayedCallIsNot()
    {
        using var caller = new UdpPeer();
        using var deployment = new TestDeployment().WithScript("request_route.csx", """
            if (IsMethod("ACK")) { Xlog("route saw an ACK"); return; }
            SlSendReply(404, "Not Here");
            """);
        await using var host = await RunningHost.StartAsync(deployment);

        var invite = SipText.Request("INVITE", "sip:nobody@127.0.0.1", caller.LocalEndPoint, callId: "sl@test");
        caller.Send(host.EndPoint, invite);
        var reply = caller.ReceiveText(Wait);
        Assert.That(SipText.StatusCode(reply), Is.EqualTo(404));
        caller.Send(host.EndPoint, AckFor(invite, SipText.Header(reply, "To")!));
        await UdpCoreTests.Eventually(() => host.Counters[SipCounter.FilteredAcks] == 1);

        // An ACK whose To tag is not one of ours (a 2xx ACK of a dialog elsewhere) reaches the route.
        caller.Send(host.EndPoint, SipText.Request("ACK", "sip:bob@127.0.0.1", caller.LocalEndPoint, callId: "other@test", toTag: "0123456789abcdef"));
        await UdpCoreTests.Eventually(() => RunningHost.Logs().Any(l => l.Contains("route saw an ACK", StringComparison.Ordinal)));
        Assert.That(host.Counters[SipCounter.FilteredAcks], Is.EqualTo(1));
    }

    /// <summary>The ACK of a non-2xx final reply: same Via branch as the INVITE, the reply's To (with its tag).</summary>
    private static string AckFor(string invite, string replyTo)
    {
        var lines = invite.Split("\r\n").TakeWhile(l => l.Length > 0).ToList();
        var uri = lines[0].Split(' ')[1];
        var ack = new List<string> { $"ACK {uri} SIP/2.0" };
        foreach (var line in lines.Skip(1))
        {
            ack.Add(line.StartsWith("To:", StringComparison.Ordinal) ? "To: " + replyTo
                : line.StartsWith("CSeq:", StringComparison.Ordinal) ? "CSeq: 1 ACK"
                : line.StartsWith("Content-Length:", StringComparison.Ordinal) ? "Content-Length: 0"
                : line);
        }

        return string.Join("\r\n", ack) + "\r\n\r\n";
    }
}
