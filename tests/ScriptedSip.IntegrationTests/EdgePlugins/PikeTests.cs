using Microsoft.Extensions.Time.Testing;
using ScriptedSip.Core.Stats;
using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.IntegrationTests.Transport;

namespace ScriptedSip.IntegrationTests.EdgePlugins;

/// <summary>
/// Pike in front of a real route over loopback, on the host's fake clock so that rates are exact:
/// the test advances the clock by the interval between two requests of each source.
/// </summary>
[NonParallelizable]
public sealed class PikeTests
{
    private const string Route = "SlSendReply(200, \"OK\");";
    private const string BlockedRoute = "Shv[\"blocked:\" + Mb] = ((int?)Shv.GetValueOrDefault(\"blocked:\" + Mb) ?? 0) + 1;";

    [Test]
    public async Task SourceAt2000PerSecond_BlockedAfterTheWindowLimit_SourceAt50PerSecond_ServedWithoutLoss()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var deployment = Deployment("""{ "WindowMs": 2000, "MaxRequests": 200, "BlockSeconds": 60 }""");
        await using var host = await RunningHost.StartAsync(deployment, time);
        using var flooder = new UdpPeer("127.0.0.2");
        using var caller = new UdpPeer("127.0.0.3");

        // Two seconds: the flooder sends every 0.5 ms (2,000/s), the caller every 20 ms (50/s).
        var sent = 0;
        for (var tick = 0; tick < 4000; tick++)
        {
            flooder.Send(host.EndPoint, SipText.Request("OPTIONS", "sip:ping@127.0.0.1", flooder.LocalEndPoint));
            sent++;
            if (tick % 40 == 0)
            {
                caller.Send(host.EndPoint, SipText.Request("OPTIONS", "sip:ping@127.0.0.1", caller.LocalEndPoint));
                sent++;
            }

            if (sent % 100 == 0)
            {
                var expected = sent;
                await UdpCoreTests.Eventually(() => host.Counters[SipCounter.Requests] >= expected, 10_000); // paced: the socket buffer never overflows
            }

            time.Advance(TimeSpan.FromMicroseconds(500));
        }

        await UdpCoreTests.Eventually(() => host.Counters[SipCounter.Requests] == 4100, 10_000);
        Assert.That(CountReplies(caller), Is.EqualTo(100), "every request of the 50/s source was answered");
        Assert.That(CountReplies(flooder), Is.EqualTo(200), "the flooder was answered up to MaxRequests, then blocked");
        Assert.That(host.Counters[SipCounter.DroppedRequests], Is.EqualTo(3800));
        Assert.That(host.Shv["blocked:127.0.0.2"], Is.EqualTo(1), "the event route ran once for the block");
        Assert.That(RunningHost.Logs().Count(l => l.Contains("Pike: 127.0.0.2 blocked for 60 s", StringComparison.Ordinal)), Is.EqualTo(1), "logged once");
    }

    [Test]
    public async Task ActionReply_BlockedRequestsGet503WithRetryAfter_AckIsDropped()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var deployment = Deployment("""{ "WindowMs": 1000, "MaxRequests": 3, "BlockSeconds": 30, "Action": "Reply" }""");
        await using var host = await RunningHost.StartAsync(deployment, time);
        using var flooder = new UdpPeer("127.0.0.2");

        for (var i = 0; i < 3; i++)
        {
            flooder.Send(host.EndPoint, SipText.Request("OPTIONS", "sip:ping@127.0.0.1", flooder.LocalEndPoint));
            Assert.That(SipText.StatusCode(flooder.ReceiveText(TimeSpan.FromSeconds(5))), Is.EqualTo(200));
        }

        flooder.Send(host.EndPoint, SipText.Request("OPTIONS", "sip:ping@127.0.0.1", flooder.LocalEndPoint));
        var refused = flooder.ReceiveText(TimeSpan.FromSeconds(5));
        Assert.That(refused, Does.StartWith("SIP/2.0 503 Service Unavailable"));
        Assert.That(SipText.Header(refused, "Retry-After"), Is.EqualTo("30"));

        time.Advance(TimeSpan.FromSeconds(20));
        flooder.Send(host.EndPoint, SipText.Request("ACK", "sip:ping@127.0.0.1", flooder.LocalEndPoint));
        flooder.Send(host.EndPoint, SipText.Request("OPTIONS", "sip:ping@127.0.0.1", flooder.LocalEndPoint));
        var later = flooder.ReceiveText(TimeSpan.FromSeconds(5));
        Assert.That(SipText.Header(later, "Retry-After"), Is.EqualTo("10"), "the remaining block time; the ACK got nothing");
        Assert.That(flooder.Receive(TimeSpan.FromMilliseconds(200)), Is.Null);
    }

    private static TestDeployment Deployment(string pikeJson) =>
        new TestDeployment(TestDeployment.DefaultSettings($"\"Plugins\": {{ \"Pike\": {pikeJson} }},"))
            .WithShippedPlugin("Pike")
            .WithScript("request_route.csx", Route)
            .WithScript("pike_blocked.csx", BlockedRoute);

    private static int CountReplies(UdpPeer peer)
    {
        var count = 0;
        while (peer.Receive(TimeSpan.FromMilliseconds(300)) is { } reply)
        {
            Assert.That(SipText.StatusCode(reply.Text), Is.EqualTo(200));
            count++;
        }

        return count;
    }
}
