using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.IntegrationTests.Transport;

namespace ScriptedSip.IntegrationTests.Management;

/// <summary>/metrics scraped over HTTP from the real host after real SIP traffic on loopback.</summary>
public sealed class MetricsEndpointTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Test]
    public async Task HundredOptions_CountersRiseByExactlyHundred_LabelledByMethodAndClass_RouteHistogramCounts()
    {
        using var deployment = new TestDeployment().WithShippedScripts();
        await using var host = await RunningHost.StartAsync(deployment, ManagementClient.EphemeralUrl);
        using var client = ManagementClient.For(host);
        using var peer = new UdpPeer();
        var before = await client.ScrapeAsync();

        const int Count = 100;
        for (var i = 0; i < Count; i++)
        {
            peer.Send(host.EndPoint, SipText.Request("OPTIONS", $"sip:{host.EndPoint}", peer.LocalEndPoint));
            Assert.That(SipText.StatusCode(peer.ReceiveText(Wait)), Is.EqualTo(200));
        }

        // The reply can reach the peer a moment before the server has counted its send.
        await UdpCoreTests.Eventually(() => host.Counters[Core.Stats.SipCounter.SentReplies2xx] >= Count);
        var after = await client.ScrapeAsync();

        double Delta(string series) => ManagementClient.Sample(after, series) - (TrySample(before, series) ?? 0);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Delta("scriptedsip_core_rcv_requests_total"), Is.EqualTo(Count));
            Assert.That(Delta("scriptedsip_sip_requests_total{method=\"OPTIONS\"}"), Is.EqualTo(Count));
            Assert.That(Delta("scriptedsip_sip_requests_total{method=\"INVITE\"}"), Is.Zero);
            Assert.That(Delta("scriptedsip_sl_2xx_replies_total"), Is.EqualTo(Count));
            Assert.That(Delta("scriptedsip_sip_replies_sent_total{class=\"2xx\"}"), Is.EqualTo(Count));
            Assert.That(Delta("scriptedsip_udp_rcv_datagrams_total"), Is.EqualTo(Count));
            Assert.That(Delta("scriptedsip_route_duration_seconds_count{route=\"request_route\"}"), Is.EqualTo(Count), "one turn per OPTIONS");
            Assert.That(after, Does.Contain("# TYPE scriptedsip_core_rcv_requests_total counter"));
            Assert.That(after, Does.Contain("# TYPE scriptedsip_route_duration_seconds histogram"));
            Assert.That(after, Does.Contain("# TYPE scriptedsip_tm_current gauge"));
            Assert.That(after, Does.Contain("process_cpu_seconds_total").And.Contain("process_start_time_seconds").And.Contain("dotnet_collection_count_total"));
        }
    }

    [Test]
    public async Task Scrape_IsAcceptedByPromtool()
    {
        var promtool = ExternalTool.Require("promtool", "apt-get install -y prometheus");
        using var deployment = new TestDeployment().WithShippedScripts();
        await using var host = await RunningHost.StartAsync(deployment, ManagementClient.EphemeralUrl);
        using var client = ManagementClient.For(host);
        using var peer = new UdpPeer();

        // Traffic first, so the histograms and labelled series have samples.
        peer.Send(host.EndPoint, SipText.Request("OPTIONS", $"sip:{host.EndPoint}", peer.LocalEndPoint));
        Assert.That(SipText.StatusCode(peer.ReceiveText(Wait)), Is.EqualTo(200));
        var scrape = await client.ScrapeAsync();

        var (exit, output) = await ExternalTool.RunAsync(promtool, scrape, "check", "metrics");
        Assert.That(exit, Is.Zero, output);
    }

    [Test]
    public async Task StatefulCalls_FinalReplyHistogramCountsEachTransaction_ByMethod()
    {
        using var uas = new UdpPeer();
        using var deployment = new TestDeployment().WithScript("request_route.csx", $"TRelay(\"sip:127.0.0.1:{uas.Port}\");");
        await using var host = await RunningHost.StartAsync(deployment, ManagementClient.EphemeralUrl);
        using var client = ManagementClient.For(host);
        using var caller = new UdpPeer();

        const int Calls = 10;
        for (var i = 0; i < Calls; i++)
        {
            caller.Send(host.EndPoint, SipText.Request("MESSAGE", "sip:bob@example.com", caller.LocalEndPoint));
            var forwarded = uas.ReceiveText(Wait);
            uas.Send(host.EndPoint, Reply200(forwarded));
            Assert.That(SipText.StatusCode(caller.ReceiveText(Wait)), Is.EqualTo(200));
        }

        var scrape = await client.ScrapeAsync();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ManagementClient.Sample(scrape, "scriptedsip_tm_final_reply_delay_seconds_count{method=\"MESSAGE\"}"), Is.EqualTo(Calls));
            Assert.That(ManagementClient.Sample(scrape, "scriptedsip_sip_requests_total{method=\"MESSAGE\"}"), Is.EqualTo(Calls));
            Assert.That(ManagementClient.Sample(scrape, "scriptedsip_tm_total"), Is.EqualTo(Calls));
            Assert.That(ManagementClient.Sample(scrape, "scriptedsip_core_fwd_replies_total"), Is.EqualTo(Calls));
        }
    }

    /// <summary>A 200 for a request received by the UAS peer: its Via, From, To (with a tag), Call-ID and CSeq copied.</summary>
    internal static string Reply200(string request)
    {
        var lines = new List<string> { "SIP/2.0 200 OK" };
        foreach (var name in new[] { "Via", "From", "To", "Call-ID", "CSeq" })
        {
            foreach (var line in request.Split("\r\n").TakeWhile(l => l.Length > 0).Where(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase)))
            {
                lines.Add(name == "To" ? line + ";tag=uas1" : line);
            }
        }

        lines.Add("Content-Length: 0");
        return string.Join("\r\n", lines) + "\r\n\r\n";
    }

    private static double? TrySample(string scrape, string series)
    {
        try
        {
            return ManagementClient.Sample(scrape, series);
        }
        catch (AssertionException)
        {
            return null;
        }
    }
}
