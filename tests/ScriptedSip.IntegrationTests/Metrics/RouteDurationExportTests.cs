using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ScriptedSip.Core.Stats;
using ScriptedSip.Host.Management;
using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.IntegrationTests.Transport;

namespace ScriptedSip.IntegrationTests.Metrics;

/// <summary>
/// The route-duration histogram goes from the workers' own tables to Prometheus at each scrape:
/// buckets, count and sum as if each turn had been observed; and a listener of the meter (an
/// OpenTelemetry SDK) still receives every turn.
/// </summary>
public sealed class RouteDurationExportTests
{
    private const string Series = "scriptedsip_route_duration_seconds";

    [Test]
    public async Task Scrape_BucketsCountAndSumAreThoseOfTheTurns_AndAddUpAcrossScrapes()
    {
        using var meter = new Meter("route-duration-export-test");
        var timings = new RouteTimings();
        using var exporter = new PrometheusExporter(meter, timings);
        var worker0 = timings.NewRecorder();
        var worker1 = timings.NewRecorder();
        worker0.Add("request_route", 0.000005);
        worker0.Add("request_route", 0.000007);
        worker1.Add("request_route", 0.5);
        worker1.Add("nosip_msg", 0.00003);

        var first = await ScrapeAsync(exporter);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Sample(first, $"{Series}_count{{route=\"request_route\"}}"), Is.EqualTo(3));
            Assert.That(Sample(first, $"{Series}_sum{{route=\"request_route\"}}"), Is.EqualTo(0.500012).Within(1e-12));
            Assert.That(Bucket(first, "request_route", 0.00001), Is.EqualTo(2));
            Assert.That(Bucket(first, "request_route", 0.16384), Is.EqualTo(2), "cumulative: nothing between 10 µs and 0.16 s");
            Assert.That(Bucket(first, "request_route", 0.65536), Is.EqualTo(3));
            Assert.That(Bucket(first, "request_route", double.PositiveInfinity), Is.EqualTo(3));
            Assert.That(Bucket(first, "nosip_msg", 0.00001), Is.Zero);
            Assert.That(Bucket(first, "nosip_msg", 0.00004), Is.EqualTo(1));
        }

        worker0.Add("request_route", 0.000008);
        var second = await ScrapeAsync(exporter);
        var third = await ScrapeAsync(exporter); // nothing new: nothing observed twice
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Sample(second, $"{Series}_count{{route=\"request_route\"}}"), Is.EqualTo(4));
            Assert.That(Sample(second, $"{Series}_sum{{route=\"request_route\"}}"), Is.EqualTo(0.50002).Within(1e-12));
            Assert.That(Bucket(second, "request_route", 0.00001), Is.EqualTo(3));
            Assert.That(Sample(third, $"{Series}_count{{route=\"request_route\"}}"), Is.EqualTo(4));
        }
    }

    [Test]
    public async Task AListenerOfTheMeter_StillReceivesEveryTurn()
    {
        using var deployment = new TestDeployment().WithShippedScripts();
        await using var host = await RunningHost.StartAsync(deployment);
        var turns = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, host.Server.Metrics.Meter) && instrument.Name == SipInstruments.RouteDuration)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, seconds, tags, _) =>
        {
            if (tags.Length == 1 && tags[0].Value as string == "request_route" && seconds >= 0)
            {
                Interlocked.Increment(ref turns);
            }
        });
        listener.Start();
        using var peer = new UdpPeer();

        for (var i = 0; i < 5; i++)
        {
            peer.Send(host.EndPoint, SipText.Request("OPTIONS", $"sip:{host.EndPoint}", peer.LocalEndPoint));
            Assert.That(SipText.StatusCode(peer.ReceiveText(TimeSpan.FromSeconds(5))), Is.EqualTo(200));
        }

        // The turn's duration is recorded as the route returns, a moment after its reply left.
        await UdpCoreTests.Eventually(() => Volatile.Read(ref turns) >= 5);
        Assert.That(Volatile.Read(ref turns), Is.EqualTo(5));
    }

    private static async Task<string> ScrapeAsync(PrometheusExporter exporter)
    {
        using var output = new MemoryStream();
        await exporter.WriteAsync(output, CancellationToken.None);
        return Encoding.UTF8.GetString(output.ToArray());
    }

    private static double Sample(string scrape, string series)
    {
        var line = scrape.Split('\n').SingleOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal))
            ?? throw new AssertionException($"no sample {series} in:\n{scrape}");
        return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }

    private static double Bucket(string scrape, string route, double bound)
    {
        var pattern = new Regex($"^{Series}_bucket\\{{route=\"{Regex.Escape(route)}\",le=\"([^\"]+)\"\\}} (\\S+)$", RegexOptions.Multiline);
        foreach (Match match in pattern.Matches(scrape))
        {
            var le = match.Groups[1].Value == "+Inf" ? double.PositiveInfinity : double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            if (double.IsPositiveInfinity(bound) ? double.IsPositiveInfinity(le) : Math.Abs(le - bound) <= bound * 1e-9)
            {
                return double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
            }
        }

        throw new AssertionException($"no bucket le={bound} of {route} in:\n{scrape}");
    }
}
