using Microsoft.Extensions.Time.Testing;
using System.Collections.Concurrent;
using System.Globalization;
using ScriptedSip.Core.Stats;
using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.IntegrationTests.Transport;

namespace ScriptedSip.IntegrationTests.Transactions;

/// <summary>TSuspend / TContinue / AsyncRoute / AsyncSleep / await, over real loopback UDP with real scripts.</summary>
[NonParallelizable]
public sealed class SuspendResumeTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    /// <summary>The seed's use case with the shipped nosip_msg.csx and RESUME.csx and the example request_route.csx.</summary>
    [Test]
    public async Task SeedUseCase_SippCallsSuspended_ResumedByUdpFrom127001_Complete_From127002_408()
    {
        Sipp.RequireInstalled();
        using var decisions = new UdpPeer();
        using var deployment = new TestDeployment(StatefulProxyTests.Settings("\"FrTimerMs\": 3000, \"WaitMs\": 300")).WithShippedScripts();
        var example = File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "Examples", "seed-resume", "request_route.csx"));
        deployment.WithScript("request_route.csx", example.Replace("127.0.0.1:5999", decisions.LocalEndPoint.ToString(), StringComparison.Ordinal));
        await using var host = await RunningHost.StartAsync(deployment);
        using var trusted = new UdpPeer("127.0.0.1");
        using var untrusted = new UdpPeer("127.0.0.2");

        // The outside system: resume the first 10 calls from 127.0.0.1, "resume" the rest from 127.0.0.2.
        const int Calls = 14;
        var notified = 0;
        using var stop = new CancellationTokenSource();
        var decider = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (decisions.Receive(TimeSpan.FromMilliseconds(200)) is not { } note)
                {
                    continue;
                }

                var parts = note.Text.Split(':');
                var sender = Interlocked.Increment(ref notified) <= 10 ? trusted : untrusted;
                sender.Send(host.EndPoint, $":KREQUEST-RESUME-TRANSACTION:{parts[0]}:{parts[1]}:RESUME:");
            }
        });

        var uasPort = UdpPeer.FreePort();
        using var uas = Sipp.Start("-sn", "uas", "-p", uasPort.ToString(CultureInfo.InvariantCulture));
        await Sipp.WaitUntilListeningAsync(uasPort);
        using var uac = Sipp.Start("-sn", "uac", $"127.0.0.1:{uasPort}", "-rsa", host.EndPoint.ToString(), "-p", UdpPeer.FreePort().ToString(CultureInfo.InvariantCulture), "-m", Calls.ToString(CultureInfo.InvariantCulture), "-r", "20", "-timeout", "30s", "-recv_timeout", "10s");
        var result = await uac.WaitAsync(TimeSpan.FromSeconds(40));
        await stop.CancelAsync();
        await decider;

        Assert.That(result.Successful, Is.EqualTo(10), result.Output);
        Assert.That(result.Failed, Is.EqualTo(4), "the calls 'resumed' from 127.0.0.2 got 408");
        Assert.That(host.Counters[SipCounter.SuspendTimeouts], Is.EqualTo(4));
        Assert.That(host.Counters[SipCounter.Resumed], Is.EqualTo(10));
        await UdpCoreTests.Eventually(() => host.Server.Transactions.Table.Count == 0 && host.Server.Transactions.SuspendedNow == 0, 10_000);
    }

    [Test]
    public async Task BadResumePackets_NothingResumes_CountedAsFailures_RealResumeStillWorksOnce()
    {
        using var uas = new UdpPeer();
        using var deployment = new TestDeployment(StatefulProxyTests.Settings("\"FrTimerMs\": 20000, \"WaitMs\": 300"))
            .WithShippedScripts()
            .WithScript("request_route.csx", "TSuspend(); Shv[\"id\"] = $\"{TIndex}:{TLabel}\";");
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();
        using var resumer = new UdpPeer();

        caller.Send(host.EndPoint, SipText.Request("INVITE", $"sip:bob@127.0.0.1:{uas.Port}", caller.LocalEndPoint));
        Assert.That(SipText.StatusCode(caller.ReceiveText(Wait)), Is.EqualTo(100));
        await UdpCoreTests.Eventually(() => host.Shv.ContainsKey("id"));
        var id = ((string)host.Shv["id"]!).Split(':');
        var (index, label) = (uint.Parse(id[0], CultureInfo.InvariantCulture), uint.Parse(id[1], CultureInfo.InvariantCulture));
        Assert.That(host.Server.Transactions.SuspendedNow, Is.EqualTo(1));

        string[] bad =
        [
            $":KREQUEST-RESUME-TRANSACTION:{index}:{label + 1}:RESUME:",                 // wrong label
            $":KREQUEST-RESUME-TRANSACTION:{(index + 1) % 65536}:{label}:RESUME:",       // unknown index
            $":KREQUEST-RESUME-TRANSACTION:99999999999:{label}:RESUME:",                 // huge number
            $":KREQUEST-RESUME-TRANSACTION:{index}:{label}:NOSUCHROUTE:",                // no such route
        ];
        foreach (var packet in bad)
        {
            resumer.Send(host.EndPoint, packet);
        }

        // A flood of 100,000 random resume packets, paced so the socket buffer does not drop them.
        const int Flood = 100_000;
        var random = new Random(7);
        for (var i = 0; i < Flood; i++)
        {
            resumer.Send(host.EndPoint, $":KREQUEST-RESUME-TRANSACTION:{random.Next(65536)}:{(uint)random.Next() * 2 + 1}:RESUME:");
            if (i % 2000 == 1999)
            {
                var sent = i + 1;
                await UdpCoreTests.Eventually(() => host.Counters[SipCounter.NoSipReceived] >= sent + bad.Length - 50, 20_000);
            }
        }

        await UdpCoreTests.Eventually(() => host.Counters[SipCounter.NoSipReceived] >= bad.Length + Flood, 20_000);
        Assert.That(host.Counters[SipCounter.ResumeFailures], Is.GreaterThanOrEqualTo(bad.Length + Flood - 1), "every bad or random id failed (one random id could collide with the real one)");
        Assert.That(host.Counters[SipCounter.Resumed], Is.Zero);
        Assert.That(uas.Receive(TimeSpan.FromMilliseconds(200)), Is.Null, "nothing was relayed");
        Assert.That(host.Server.Transactions.SuspendedNow, Is.EqualTo(1));

        resumer.Send(host.EndPoint, $":KREQUEST-RESUME-TRANSACTION:{index}:{label}:RESUME:");
        Assert.That(uas.ReceiveText(Wait), Does.StartWith("INVITE "), "the real resume relays the INVITE");
        resumer.Send(host.EndPoint, $":KREQUEST-RESUME-TRANSACTION:{index}:{label}:RESUME:");
        await UdpCoreTests.Eventually(() => host.Counters[SipCounter.Resumed] == 1 && host.Counters[SipCounter.ResumeFailures] >= bad.Length + Flood);
        Assert.That(uas.Receive(TimeSpan.FromMilliseconds(300)), Is.Null, "a second resume of the same id does nothing");
    }

    [Test]
    public async Task RequestWithoutBranch_Rfc2543Matching_RetransmissionAbsorbed()
    {
        using var deployment = new TestDeployment(StatefulProxyTests.Settings()).WithScript("request_route.csx", "TSuspend();");
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();
        var invite = SipText.Request("INVITE", "sip:bob@127.0.0.1:9", caller.LocalEndPoint);
        invite = System.Text.RegularExpressions.Regex.Replace(invite, ";branch=[^;\r]*", string.Empty);

        caller.Send(host.EndPoint, invite);
        Assert.That(SipText.StatusCode(caller.ReceiveText(Wait)), Is.EqualTo(100));
        caller.Send(host.EndPoint, invite);
        Assert.That(SipText.StatusCode(caller.ReceiveText(Wait)), Is.EqualTo(100));
        Assert.That(host.Counters[SipCounter.Suspended], Is.EqualTo(1), "the retransmission matched by Call-ID, From tag, CSeq and Via");
        Assert.That(host.Counters[SipCounter.RetransmissionsAbsorbed], Is.EqualTo(1));
    }

    [Test]
    public async Task ResumeIdsAsText_NonNumericOrNegative_FalseAndNoException()
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", """
            Shv["a"] = TContinue("abc", "1", "X");
            Shv["b"] = TContinue("-1", "5", "X");
            Shv["c"] = TContinue("1", "4294967296", "X");
            Shv["d"] = TContinue(" ", "", "X");
            SlSendReply(200, "OK");
            """).WithScript("X.csx", "return;");
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();

        peer.Send(host.EndPoint, SipText.Request("MESSAGE", "sip:x@127.0.0.1", peer.LocalEndPoint));
        Assert.That(SipText.StatusCode(peer.ReceiveText(Wait)), Is.EqualTo(200));
        Assert.That(new[] { host.Shv["a"], host.Shv["b"], host.Shv["c"], host.Shv["d"] }, Is.All.False);
        Assert.That(host.Counters[SipCounter.ResumeFailures], Is.EqualTo(4));
    }

    [Test]
    public async Task RetransmittedSuspendedInvite_Absorbed_100TryingResent()
    {
        using var deployment = new TestDeployment(StatefulProxyTests.Settings()).WithScript("request_route.csx", "TSuspend();");
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();
        var invite = SipText.Request("INVITE", "sip:bob@127.0.0.1:9", caller.LocalEndPoint);

        caller.Send(host.EndPoint, invite);
        Assert.That(SipText.StatusCode(caller.ReceiveText(Wait)), Is.EqualTo(100));
        caller.Send(host.EndPoint, invite);
        Assert.That(SipText.StatusCode(caller.ReceiveText(Wait)), Is.EqualTo(100));
        Assert.That(host.Counters[SipCounter.RetransmissionsAbsorbed], Is.EqualTo(1));
        Assert.That(host.Counters[SipCounter.Suspended], Is.EqualTo(1), "the script ran once");
    }

    [Test]
    public async Task SuspendTimeout_NoFailureRoute_408()
    {
        using var deployment = new TestDeployment(StatefulProxyTests.Settings("\"FrTimerMs\": 500, \"WaitMs\": 200")).WithScript("request_route.csx", "TSuspend();");
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();

        caller.Send(host.EndPoint, SipText.Request("INVITE", "sip:bob@127.0.0.1:9", caller.LocalEndPoint));
        Assert.That(SipText.StatusCode(caller.ReceiveText(Wait)), Is.EqualTo(100));
        Assert.That(SipText.StatusCode(caller.ReceiveText(Wait)), Is.EqualTo(408));
        Assert.That(host.Server.Transactions.SuspendedNow, Is.Zero);
    }

    [Test]
    public async Task SuspendTimeout_FailureRouteArmed_FailureRouteAnswers()
    {
        using var deployment = new TestDeployment(StatefulProxyTests.Settings("\"FrTimerMs\": 500, \"WaitMs\": 200"))
            .WithScript("request_route.csx", "TOnFailure(\"LATE\"); TSuspend();")
            .WithScript("LATE.csx", "TReply(480, $\"Nobody Decided {Rs}\");");
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();

        caller.Send(host.EndPoint, SipText.Request("INVITE", "sip:bob@127.0.0.1:9", caller.LocalEndPoint));
        Assert.That(SipText.StatusCode(caller.ReceiveText(Wait)), Is.EqualTo(100));
        Assert.That(caller.ReceiveText(Wait), Does.StartWith("SIP/2.0 480 Nobody Decided 408"));
    }

    [Test]
    public async Task CancelOfSuspendedInvite_487And200_LaterResumeFails()
    {
        using var deployment = new TestDeployment(StatefulProxyTests.Settings("\"FrTimerMs\": 20000, \"WaitMs\": 200"))
            .WithShippedScripts()
            .WithScript("request_route.csx", "if (IsMethod(\"INVITE\")) { TSuspend(); Shv[\"id\"] = $\"{TIndex}:{TLabel}\"; return; } Forward();");
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();
        var invite = SipText.Request("INVITE", "sip:bob@127.0.0.1:9", caller.LocalEndPoint, callId: "cancel-me@test");

        caller.Send(host.EndPoint, invite);
        Assert.That(SipText.StatusCode(caller.ReceiveText(Wait)), Is.EqualTo(100));
        var cancel = invite.Replace("INVITE sip:", "CANCEL sip:", StringComparison.Ordinal).Replace("CSeq: 1 INVITE", "CSeq: 1 CANCEL", StringComparison.Ordinal);
        caller.Send(host.EndPoint, cancel);
        var replies = new[] { caller.ReceiveText(Wait), caller.ReceiveText(Wait) };
        await UdpCoreTests.Eventually(() => host.Shv.ContainsKey("id"));

        Assert.That(replies.Select(r => (SipText.StatusCode(r), SipText.Header(r, "CSeq"))), Is.EquivalentTo(new[] { (200, "1 CANCEL"), (487, "1 INVITE") }));
        var id = ((string)host.Shv["id"]!).Split(':');
        using var resumer = new UdpPeer();
        resumer.Send(host.EndPoint, $":KREQUEST-RESUME-TRANSACTION:{id[0]}:{id[1]}:RESUME:");
        await UdpCoreTests.Eventually(() => host.Counters[SipCounter.ResumeFailures] == 1);
        Assert.That(host.Server.Transactions.SuspendedNow, Is.Zero);
    }

    [Test]
    public async Task ResumedRouteWithoutReplyOrRelay_Answered500()
    {
        using var deployment = new TestDeployment(StatefulProxyTests.Settings())
            .WithScript("request_route.csx", "TSuspend(); TContinue(TIndex, TLabel, \"NOTHING\");")
            .WithScript("NOTHING.csx", "Xlog(\"resumed and doing nothing\");");
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();

        caller.Send(host.EndPoint, SipText.Request("MESSAGE", "sip:bob@127.0.0.1:9", caller.LocalEndPoint));
        Assert.That(caller.ReceiveText(Wait), Does.StartWith("SIP/2.0 500 "));
    }

    [Test]
    public async Task AsyncRoute_RunsNamedRouteExactlyAfterTheDelay_OnFakeTime_CodeAfterCallDoesNotRun()
    {
        using var uas = new UdpPeer();
        using var deployment = new TestDeployment(StatefulProxyTests.Settings("\"FrTimerMs\": 20000, \"WaitMs\": 200"))
            .WithScript("request_route.csx", "AsyncRoute(\"RELAY\", 1); Shv[\"after\"] = true;")
            .WithScript("RELAY.csx", $"TRelay(\"sip:127.0.0.1:{uas.Port}\");");
        var time = new FakeTimeProvider();
        await using var host = await RunningHost.StartAsync(deployment, time);
        using var caller = new UdpPeer();

        for (var i = 0; i < 5; i++)
        {
            caller.Send(host.EndPoint, SipText.Request("INVITE", $"sip:bob@127.0.0.1:{uas.Port}", caller.LocalEndPoint, callId: $"async-{i}@test"));
        }

        await UdpCoreTests.Eventually(() => host.Server.Transactions.SuspendedNow == 5, 5000);

        // The wheel fires due timers inside Advance: what has not resumed when it returns was not due.
        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.That(host.Counters[SipCounter.Resumed], Is.Zero, "not one millisecond early");
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(host.Counters[SipCounter.Resumed], Is.EqualTo(5), "all five at exactly +1 s");

        var relayed = new HashSet<string>();
        while (relayed.Count < 5 && uas.Receive(Wait) is { } arrived)
        {
            relayed.Add(SipText.Header(arrived.Text, "Call-ID")!);
        }

        Assert.That(relayed, Has.Count.EqualTo(5));
        Assert.That(host.Shv.ContainsKey("after"), Is.False);
    }

    [Test]
    public async Task AsyncRoute_InIfCondition_ScriptEndsThere_LinesInsideTheIfKeepTheirNumbers()
    {
        using var uas = new UdpPeer();
        using var deployment = new TestDeployment(StatefulProxyTests.Settings("\"FrTimerMs\": 20000, \"WaitMs\": 200"))
            .WithScript("request_route.csx", """
                if (!AsyncRoute(Hdr("X-Route") ?? "RELAY", 1))
                {
                    throw new InvalidOperationException("async route refused");
                }

                Shv["after"] = true;
                """)
            .WithScript("RELAY.csx", $"TRelay(\"sip:127.0.0.1:{uas.Port}\");");
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();

        caller.Send(host.EndPoint, SipText.Request("INVITE", $"sip:bob@127.0.0.1:{uas.Port}", caller.LocalEndPoint));
        Assert.That(uas.ReceiveText(TimeSpan.FromSeconds(3)), Does.StartWith("INVITE "));
        Assert.That(host.Shv.ContainsKey("after"), Is.False);

        caller.Send(host.EndPoint, SipText.Request("MESSAGE", $"sip:bob@127.0.0.1:{uas.Port}", caller.LocalEndPoint, extraHeaders: "X-Route: NOPE"));
        await UdpCoreTests.Eventually(() => RunningHost.Logs().Any(l => l.Contains("request_route.csx(3,", StringComparison.Ordinal)));
    }

    [TestCase("0")]
    [TestCase("101")]
    [TestCase("-1")]
    [TestCase("\"ten\"")]
    public async Task AsyncRoute_OutOfRangeOrNotANumber_FalseNothingSuspended(string seconds)
    {
        using var deployment = new TestDeployment(StatefulProxyTests.Settings())
            .WithScript("request_route.csx", $"var ok = AsyncRoute(\"R\", {seconds}); SlSendReply(ok ? 299 : 298, \"Result\");")
            .WithScript("R.csx", "TReply(200, \"OK\");");
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();

        caller.Send(host.EndPoint, SipText.Request("MESSAGE", "sip:bob@127.0.0.1:9", caller.LocalEndPoint));
        Assert.That(SipText.StatusCode(caller.ReceiveText(Wait)), Is.EqualTo(298));
        Assert.That(host.Counters[SipCounter.Suspended], Is.Zero);
    }

    [Test]
    public async Task AwaitTaskDelayAndAsyncSleep_LocalsSurvive_RetransmissionsAbsorbed_CallCompletes()
    {
        using var uas = new UdpPeer();
        using var deployment = new TestDeployment(StatefulProxyTests.Settings("\"FrTimerMs\": 20000, \"WaitMs\": 200"))
            .WithScript("request_route.csx", $$"""
                var target = "sip:127.0.0.1:{{uas.Port}}";
                var started = DateTime.UtcNow;
                await Task.Delay(300);
                await AsyncSleep(1);
                AppendHf($"X-Waited: {(int)(DateTime.UtcNow - started).TotalMilliseconds}");
                TRelay(target);
                """);
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();
        var invite = SipText.Request("INVITE", $"sip:bob@127.0.0.1:{uas.Port}", caller.LocalEndPoint);

        caller.Send(host.EndPoint, invite);
        Assert.That(SipText.StatusCode(caller.ReceiveText(Wait)), Is.EqualTo(100), "awaiting holds the transaction: 100 Trying");
        caller.Send(host.EndPoint, invite);
        Assert.That(SipText.StatusCode(caller.ReceiveText(Wait)), Is.EqualTo(100), "the retransmission is absorbed");
        var relayed = uas.ReceiveText(TimeSpan.FromSeconds(5));

        Assert.That(relayed, Does.StartWith("INVITE sip:bob@127.0.0.1"));
        Assert.That(int.Parse(SipText.Header(relayed, "X-Waited")!, CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(1300));
    }

    [Test]
    public async Task AwaitTimesOut_408_LateActionsIgnored()
    {
        using var uas = new UdpPeer();
        using var deployment = new TestDeployment(StatefulProxyTests.Settings("\"FrTimerMs\": 300, \"WaitMs\": 200"))
            .WithScript("request_route.csx", $"await Task.Delay(1000); Shv[\"late\"] = TRelay(\"sip:127.0.0.1:{uas.Port}\");");
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();

        caller.Send(host.EndPoint, SipText.Request("INVITE", $"sip:bob@127.0.0.1:{uas.Port}", caller.LocalEndPoint));
        Assert.That(SipText.StatusCode(caller.ReceiveText(Wait)), Is.EqualTo(100));
        Assert.That(SipText.StatusCode(caller.ReceiveText(Wait)), Is.EqualTo(408));
        await UdpCoreTests.Eventually(() => host.Shv.ContainsKey("late"));
        Assert.That(host.Shv["late"], Is.False);
        Assert.That(uas.Receive(TimeSpan.FromMilliseconds(200)), Is.Null, "the late relay was not sent");
        Assert.That(RunningHost.Logs(), Has.Some.Contains("TRelay ignored: the transaction timed out"));
    }

    [Test]
    public async Task MaxSuspendedReached_TSuspendFalse_ScriptAnswers503()
    {
        using var deployment = new TestDeployment(StatefulProxyTests.Settings("\"MaxSuspended\": 2, \"FrTimerMs\": 20000"))
            .WithScript("request_route.csx", "if (!TSuspend()) { SlSendReply(503, \"Full\"); }");
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();

        for (var i = 0; i < 3; i++)
        {
            caller.Send(host.EndPoint, SipText.Request("INVITE", "sip:bob@127.0.0.1:9", caller.LocalEndPoint));
        }

        var codes = Enumerable.Range(0, 3).Select(_ => SipText.StatusCode(caller.ReceiveText(Wait))).ToArray();
        Assert.That(codes, Is.EquivalentTo(new[] { 100, 100, 503 }));
    }

    [Test]
    public async Task GracefulStop_100SuspendedInvites_Each503()
    {
        using var deployment = new TestDeployment(StatefulProxyTests.Settings("\"FrTimerMs\": 60000")).WithScript("request_route.csx", "TSuspend();");
        var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();
        for (var i = 0; i < 100; i++)
        {
            caller.Send(host.EndPoint, SipText.Request("INVITE", "sip:bob@127.0.0.1:9", caller.LocalEndPoint, callId: $"stop-{i}@test"));
        }

        var trying = new ConcurrentBag<string>();
        for (var i = 0; i < 100; i++)
        {
            trying.Add(SipText.Header(caller.ReceiveText(Wait), "Call-ID")!);
        }

        Assert.That(host.Server.Transactions.SuspendedNow, Is.EqualTo(100));
        await host.DisposeAsync();

        var finals = new List<string>();
        while (caller.Receive(TimeSpan.FromMilliseconds(500)) is { } reply)
        {
            if (SipText.StatusCode(reply.Text) == 503)
            {
                finals.Add(SipText.Header(reply.Text, "Call-ID")!);
            }
        }

        Assert.That(finals.Distinct().Count(), Is.EqualTo(100));
    }
}
