using ScriptedSip.Core.Stats;
using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Scripting;

/// <summary>Every example deployment runs as shipped, answers requests addressed to itself, and never loops.</summary>
[NonParallelizable]
public sealed class ExamplesTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    public static IEnumerable<string> Examples() =>
        Directory.GetDirectories(Path.Combine(TestContext.CurrentContext.TestDirectory, "Examples")).Select(Path.GetFileName)!;

    [TestCaseSource(nameof(Examples))]
    public async Task Example_Loads_AnswersOptionsToItself_WithoutALoop(string example)
    {
        using var deployment = ExampleDeployment.Create(example);
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();

        // Addressed to the server itself (no user part: a keep-alive, not a call for a service behind it).
        peer.Send(host.EndPoint, SipText.Request("OPTIONS", $"sip:{host.EndPoint}", peer.LocalEndPoint));
        var reply = peer.ReceiveText(Wait);

        Assert.That(SipText.StatusCode(reply), Is.EqualTo(200), reply);
        Assert.That(host.Counters[SipCounter.Requests], Is.EqualTo(1), "the OPTIONS was not relayed back to the server itself");
        Assert.That(host.Counters[SipCounter.ScriptErrors], Is.Zero);
    }
}
