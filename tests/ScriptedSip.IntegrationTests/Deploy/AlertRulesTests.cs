using System.Text.RegularExpressions;
using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Deploy;

/// <summary>deploy/prometheus/alerts.yml: valid for promtool, and every metric it names is one the host really exports.</summary>
public sealed partial class AlertRulesTests
{
    private static string RulesPath => Path.Combine(TestDeployment.BuildOutput("RepoRoot"), "deploy", "prometheus", "alerts.yml");

    [Test]
    public async Task PromtoolCheckRules_Passes()
    {
        var promtool = ExternalTool.Require("promtool", "apt-get install -y prometheus");
        var (exit, output) = await ExternalTool.RunAsync(promtool, null, "check", "rules", RulesPath);
        Assert.That(exit, Is.Zero, output);
        Assert.That(output, Does.Contain("SUCCESS"));
    }

    [Test]
    public async Task EveryMetricTheRulesName_IsInARealScrape()
    {
        var names = MetricName().Matches(File.ReadAllText(RulesPath)).Select(m => m.Value).Distinct().ToList();
        Assert.That(names, Has.Count.GreaterThanOrEqualTo(8));

        using var deployment = new TestDeployment().WithShippedScripts();
        await using var host = await RunningHost.StartAsync(deployment, ManagementClient.EphemeralUrl);
        using var client = ManagementClient.For(host);
        using var peer = new UdpPeer();
        peer.Send(host.EndPoint, SipText.Request("OPTIONS", $"sip:{host.EndPoint}", peer.LocalEndPoint));
        Assert.That(SipText.StatusCode(peer.ReceiveText(TimeSpan.FromSeconds(5))), Is.EqualTo(200), "a histogram appears with its first sample");
        var scrape = await client.ScrapeAsync();

        Assert.That(names.Where(n => !scrape.Contains("# TYPE " + n + " ", StringComparison.Ordinal)), Is.Empty, "names in the rules that /metrics does not export");
    }

    [GeneratedRegex(@"\b(scriptedsip_[a-z0-9_]+|process_[a-z0-9_]+)\b")]
    private static partial Regex MetricName();
}
