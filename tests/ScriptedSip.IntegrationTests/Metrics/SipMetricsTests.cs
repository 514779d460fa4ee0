using ScriptedSip.Core.Stats;
using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.IntegrationTests.Transport;

namespace ScriptedSip.IntegrationTests.Metrics;

/// <summary>
/// The <c>ScriptedSip</c> meter read through a MeterListener after real traffic on loopback: the
/// instruments must move by exactly what was sent, on the stateless and the stateful path.
/// </summary>
[NonParallelizable]
public sealed class SipMetricsTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    private static readonly string[] ReplyClasses =
        ["sl.1xx_replies", "sl.2xx_replies", "sl.3xx_replies", "sl.4xx_replies", "sl.5xx_replies", "sl.6xx_replies"];

    [Test]
    public async Task TenOptionsAnswered200_MoveRcvRequestsAnd2xxRepliesByExactlyTen()
    {
        using var deployment = new TestDeployment().WithShippedScripts();
        await using var host = await RunningHost.StartAsync(deployment);
        using var reader = new MeterReader(host.Server.Metrics.Meter);
        using var peer = new UdpPeer();
        var before = reader.Collect();

        for (var i = 0; i < 10; i++)
        {
            peer.Send(host.EndPoint, SipText.Request("OPTIONS", $"sip:{host.EndPoint}", peer.LocalEndPoint));
            Assert.That(SipText.StatusCode(peer.ReceiveText(Wait)), Is.EqualTo(200));
        }

        // The reply can reach the peer a moment before the server has counted its send.
        await UdpCoreTests.Eventually(() => reader.Read("sl.2xx_replies") - before["sl.2xx_replies"] >= 10);
        var delta = Delta(before, reader.Collect());

        using (Assert.EnterMultipleScope())
        {
            Assert.That(reader.Published, Is.EquivalentTo(SipInstruments.Counters.Select(i => i.Name).Concat([SipInstruments.TmCurrent, SipInstruments.TmSuspended, SipInstruments.RequestsByMethod, SipInstruments.RepliesByClass, SipInstruments.RouteDuration, SipInstruments.FinalReplyDelay, SipInstruments.TcpCurrentOpened])));
            Assert.That(delta["core.rcv_requests"], Is.EqualTo(10));
            Assert.That(delta["sl.2xx_replies"], Is.EqualTo(10));
            Assert.That(ReplyClasses.Where(c => c != "sl.2xx_replies").Sum(c => delta[c]), Is.Zero, "no reply of another class");
            Assert.That(delta["udp.rcv_datagrams"], Is.EqualTo(10));
            Assert.That(delta["core.rcv_replies"] + delta["core.fwd_requests"] + delta["core.fwd_replies"], Is.Zero, "answered here, nothing forwarded");
            Assert.That(delta["tm.total"], Is.Zero, "SlSendReply creates no transaction");
        }
    }

    [Test]
    public async Task StatefulRelay_Message200_CountsTheForwardTheRelayedReplyAndTheLiveTransaction()
    {
        using var uas = new UdpPeer();
        using var deployment = new TestDeployment().WithScript("request_route.csx", $"TRelay(\"sip:127.0.0.1:{uas.Port}\");");
        await using var host = await RunningHost.StartAsync(deployment);
        using var reader = new MeterReader(host.Server.Metrics.Meter);
        using var caller = new UdpPeer();

        caller.Send(host.EndPoint, SipText.Request("MESSAGE", "sip:bob@example.com", caller.LocalEndPoint));
        var forwarded = uas.ReceiveText(Wait);
        await UdpCoreTests.Eventually(() => reader.Read("core.fwd_requests") == 1); // counted once the send returned
        using (Assert.EnterMultipleScope())
        {
            Assert.That(reader.Read(SipInstruments.TmCurrent), Is.EqualTo(1), "the transaction waits for the next hop");
            Assert.That(reader.Read("tm.total"), Is.EqualTo(1));
        }

        uas.Send(host.EndPoint, Reply(forwarded, 200, "OK"));
        Assert.That(SipText.StatusCode(caller.ReceiveText(Wait)), Is.EqualTo(200));
        await UdpCoreTests.Eventually(() => reader.Read("core.fwd_replies") == 1); // the last count of the relay
        var values = reader.Collect();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(values["core.rcv_requests"], Is.EqualTo(1));
            Assert.That(values["core.rcv_replies"], Is.EqualTo(1));
            Assert.That(values["sl.2xx_replies"], Is.EqualTo(1));
            Assert.That(ReplyClasses.Sum(c => values[c]), Is.EqualTo(1), "one reply went upstream (no 100 Trying for a MESSAGE)");
            Assert.That(values["tm.unmatched_replies"], Is.Zero);
        }
    }

    [Test]
    public async Task SuspendedInvite_ShowsInTheGauges_StopAnswers503_MeterEndsWithTheServer()
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", "TSuspend();");
        var host = await RunningHost.StartAsync(deployment);
        try
        {
            using var reader = new MeterReader(host.Server.Metrics.Meter);
            using var caller = new UdpPeer();

            caller.Send(host.EndPoint, SipText.Request("INVITE", "sip:bob@example.com", caller.LocalEndPoint));
            Assert.That(SipText.StatusCode(caller.ReceiveText(Wait)), Is.EqualTo(100));
            await UdpCoreTests.Eventually(() => reader.Read("sl.1xx_replies") == 1); // the 100 Trying is counted once sent
            using (Assert.EnterMultipleScope())
            {
                Assert.That(reader.Read(SipInstruments.TmSuspended), Is.EqualTo(1));
                Assert.That(reader.Read(SipInstruments.TmCurrent), Is.EqualTo(1));
                Assert.That(reader.Read("tm.suspensions"), Is.EqualTo(1));
            }

            await host.Host.StopAsync();
            Assert.That(SipText.StatusCode(caller.ReceiveText(Wait)), Is.EqualTo(503));
            await UdpCoreTests.Eventually(() => reader.Read("sl.5xx_replies") == 1);
            var stopped = reader.Collect();
            using (Assert.EnterMultipleScope())
            {
                Assert.That(stopped["tm.shutdown_replies"], Is.EqualTo(1));
                Assert.That(stopped[SipInstruments.TmSuspended], Is.Zero);
            }

            host.Host.Dispose();
            Assert.That(reader.Completed, Is.EquivalentTo(reader.Published), "disposing the server disposed its meter");
            Assert.That(reader.Collect(), Is.Empty);
        }
        finally
        {
            host.Host.Dispose(); // idempotent; also when an assertion failed before the planned dispose
        }
    }

    [Test]
    public async Task BrokenRequestAndReply_CountAsErrRequestsAndErrReplies()
    {
        using var deployment = new TestDeployment().WithShippedScripts();
        await using var host = await RunningHost.StartAsync(deployment);
        using var reader = new MeterReader(host.Server.Metrics.Meter);
        using var peer = new UdpPeer();

        // A request with a bad Max-Forwards is answered 400; a reply without Call-ID cannot be answered.
        peer.Send(host.EndPoint, SipText.Request("OPTIONS", $"sip:{host.EndPoint}", peer.LocalEndPoint, maxForwards: 999));
        Assert.That(SipText.StatusCode(peer.ReceiveText(Wait)), Is.EqualTo(400));
        peer.Send(host.EndPoint, $"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP {host.EndPoint};branch=z9hG4bKx\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
        await UdpCoreTests.Eventually(() => reader.Read("core.parse_errors_answered") == 1 && reader.Read("core.parse_errors_dropped") == 1);

        var values = reader.Collect();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(values["core.err_requests"], Is.EqualTo(1));
            Assert.That(values["core.err_replies"], Is.EqualTo(1));
            Assert.That(values["sl.4xx_replies"], Is.EqualTo(1));
            Assert.That(values["core.rcv_requests"] + values["core.rcv_replies"], Is.Zero, "neither parsed");
        }
    }

    private static Dictionary<string, long> Delta(IReadOnlyDictionary<string, long> before, IReadOnlyDictionary<string, long> after) =>
        after.ToDictionary(kv => kv.Key, kv => kv.Value - before.GetValueOrDefault(kv.Key), StringComparer.Ordinal);

    /// <summary>A reply of the next hop to a forwarded request: its Vias, From, To (tagged), Call-ID and CSeq.</summary>
    private static string Reply(string request, int code, string reason)
    {
        var headers = request.Split("\r\n").TakeWhile(l => l.Length > 0).Skip(1)
            .Where(l => l.StartsWith("Via:", StringComparison.OrdinalIgnoreCase) || l.StartsWith("From:", StringComparison.OrdinalIgnoreCase)
                        || l.StartsWith("Call-ID:", StringComparison.OrdinalIgnoreCase) || l.StartsWith("CSeq:", StringComparison.OrdinalIgnoreCase))
            .ToList();
        headers.Add("To: " + SipText.Header(request, "To") + ";tag=uas");
        return $"SIP/2.0 {code} {reason}\r\n" + string.Join("\r\n", headers) + "\r\nContent-Length: 0\r\n\r\n";
    }
}
