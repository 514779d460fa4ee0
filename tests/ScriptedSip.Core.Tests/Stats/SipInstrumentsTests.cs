using System.Text.RegularExpressions;
using ScriptedSip.Core.Stats;

namespace ScriptedSip.Core.Tests.Stats;

/// <summary>The instrument catalogue: complete, unambiguous, and valid for OpenTelemetry and Prometheus.</summary>
public sealed class SipInstrumentsTests
{
    private static IEnumerable<string> AllNames() =>
        SipInstruments.Counters.Select(i => i.Name).Append(SipInstruments.TmCurrent).Append(SipInstruments.TmSuspended).Append(SipInstruments.TcpCurrentOpened);

    [Test]
    public void Counters_PublishEverySipCounterExactlyOnce()
    {
        Assert.That(SipInstruments.Counters.Select(i => i.Counter), Is.EquivalentTo(Enum.GetValues<SipCounter>()));
    }

    [Test]
    public void Names_AreUniqueGroupDotName_AndStayDistinctAsPrometheusNames()
    {
        var names = AllNames().ToList();
        Assert.That(names, Is.Unique);
        Assert.That(names, Has.All.Matches<string>(n => Regex.IsMatch(n, "^(core|sl|tm|nosip|udp|tcp|tls|dns|overload)\\.[a-z0-9_]+$")));

        // Prometheus / OpenMetrics: a counter's family is its name without "_total" (the exporter adds
        // the suffix), so a counter "x_total" and a gauge "x" would collide; so would "x.y" and "x_y".
        static string Family(string name) => "scriptedsip_" + name.Replace('.', '_');
        var families = SipInstruments.Counters.Select(i => Family(i.Name) is var f && f.EndsWith("_total", StringComparison.Ordinal) ? f[..^6] : Family(i.Name))
            .Concat([Family(SipInstruments.TmCurrent), Family(SipInstruments.TmSuspended), Family(SipInstruments.TcpCurrentOpened)]);
        Assert.That(families, Is.Unique);
    }

    [Test]
    public void ReplySent_CountsByStatusClass_OnlyWhenSent()
    {
        var counters = new SipCounters();

        counters.ReplySent(100, sent: true);
        counters.ReplySent(200, sent: true);
        counters.ReplySent(299, sent: true);
        counters.ReplySent(487, sent: true);
        counters.ReplySent(699, sent: true);
        counters.ReplySent(503, sent: false);
        counters.ReplySent(99, sent: true);
        counters.ReplySent(700, sent: true);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(counters[SipCounter.SentReplies1xx], Is.EqualTo(1));
            Assert.That(counters[SipCounter.SentReplies2xx], Is.EqualTo(2));
            Assert.That(counters[SipCounter.SentReplies3xx], Is.Zero);
            Assert.That(counters[SipCounter.SentReplies4xx], Is.EqualTo(1));
            Assert.That(counters[SipCounter.SentReplies5xx], Is.Zero, "not sent");
            Assert.That(counters[SipCounter.SentReplies6xx], Is.EqualTo(1));
        }
    }
}
