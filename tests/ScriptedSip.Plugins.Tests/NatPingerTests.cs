using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ScriptedSip.Plugins.Registrar;

namespace ScriptedSip.Plugins.Tests;

/// <summary>How the keep-alive pinger spreads one interval's pings over its seconds (CRLF pings, recorded by the host).</summary>
public sealed class NatPingerTests
{
    [Test]
    public async Task TenNatedContacts_ThreeSecondInterval_FourThreeThreePerSecond_NonNatedAndTcpNeverPinged()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var options = new RegistrarOptions { DataPath = string.Empty, NatPingIntervalSeconds = 3, NatPingMethod = "CRLF" };
        using var location = new LocationService(new MemoryOnlyStore(), options, time, NullLogger.Instance);
        for (var i = 1; i <= 10; i++)
        {
            Register(location, $"u{i}@d", $"sip:u{i}@192.168.0.{i}:5060", $"127.0.0.1:{6000 + i}", "udp");
        }

        Register(location, "plain@d", "sip:plain@127.0.0.1:7000", "127.0.0.1:7000", "udp"); // Contact = source: not behind NAT
        Register(location, "tcp@d", "sip:tcp@10.1.1.1:5060", "127.0.0.1:7001", "tcp"); // behind NAT, but on a connection
        var host = new RecordingHost();
        using var pinger = new NatPinger(location, options, host, time, NullLogger.Instance);
        await pinger.StartAsync(CancellationToken.None);

        var perSecond = new List<int>();
        for (var second = 0; second < 6; second++)
        {
            var before = host.Datagrams.Count;
            time.Advance(TimeSpan.FromSeconds(1));
            perSecond.Add(host.Datagrams.Count - before);
        }

        await pinger.StopAsync(CancellationToken.None);
        Assert.That(perSecond, Is.EqualTo(new[] { 4, 3, 3, 4, 3, 3 }), "each interval pings every NATed contact once, in equal shares");
        Assert.That(host.Datagrams.Select(d => d.Uri).Distinct().Count(), Is.EqualTo(10));
        Assert.That(host.Datagrams, Has.All.Matches<(string Uri, string Text)>(d => d.Text == "\r\n\r\n" && d.Uri.StartsWith("sip:127.0.0.1:60", StringComparison.Ordinal)));
    }

    private static void Register(LocationService location, string aor, string contact, string source, string transport)
    {
        var colon = source.IndexOf(':', StringComparison.Ordinal);
        var outcome = location.Register(new RegisterRequest(
            aor,
            [new ContactValue(contact, 3600, 1000, null, 0)],
            Star: false,
            ExpiresHeader: null,
            CallId: "c-" + aor,
            CSeq: 1,
            Received: $"sip:{source};transport={transport}",
            SourceIp: source[..colon]));
        Assert.That(outcome.Status, Is.EqualTo(200));
    }
}
