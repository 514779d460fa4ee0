using System.Text.Json.Nodes;
using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.IntegrationTests.Transport;

namespace ScriptedSip.IntegrationTests.EdgePlugins;

/// <summary>The list file and the Sets section: reloaded on change, bad content refused with the line or key named, the previous sets serving on.</summary>
[NonParallelizable]
public sealed class DispatcherSetFileTests
{
    [Test]
    public async Task ListFile_BadEditsRefusedWithTheLineNamed_PreviousSetsServe_AGoodEditIsTaken()
    {
        using var deployment = DispatcherHost.Deployment("""{ "ProbeIntervalSeconds": 0, "ListFile": "dispatcher.list" }""");
        var list = Path.Combine(deployment.Root, "dispatcher.list");
        await File.WriteAllTextAsync(list, "# set uri flags priority attrs\n1 sip:127.0.0.1:5071 0 0 weight=50\n");
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();
        Assert.That(DispatcherHost.Ask(host, peer, "X-Alg: 4").Reason, Is.EqualTo("sip:127.0.0.1:5071"));

        string[][] bad =
        [
            ["1 sip:127.0.0.1:5071", "1 sip:127.0.0.1:5071 0 0", "dispatcher.list:2: sip:127.0.0.1:5071 is already in set 1 (dispatcher.list:1)"],
            ["1 sip:127.0.0.1:5071", "1 http://127.0.0.1:5072", "dispatcher.list:2: 'http://127.0.0.1:5072' is not a SIP URI (sip:host[:port][;params])"],
            ["1 sip:127.0.0.1:5071", "1 sip:127.0.0.1:5072 0 0 weight=heavy", "dispatcher.list:2: the weight 'heavy' is not a number 1..100"],
            ["x sip:127.0.0.1:5072", "dispatcher.list:1: the set id 'x' is not a number"],
            ["1 sip:127.0.0.1:99999", "dispatcher.list:1: 'sip:127.0.0.1:99999' has a port that is not 1..65535"],
        ];
        foreach (var lines in bad)
        {
            await Write(list, lines[..^1]);
            await UdpCoreTests.Eventually(() => RunningHost.Logs().Any(l => l.Contains("Dispatcher sets not reloaded: " + lines[^1], StringComparison.Ordinal)), 10_000);
            Assert.That(DispatcherHost.Ask(host, peer, "X-Alg: 4").Reason, Is.EqualTo("sip:127.0.0.1:5071"), "the previous sets keep serving");
        }

        await Write(list, ["1 sip:127.0.0.1:5071", "1 sip:127.0.0.1:5072", "2 sip:127.0.0.1:5090"]);
        await UdpCoreTests.Eventually(() => DispatcherHost.Ask(host, peer, "X-Set: 2\r\nX-Alg: 4").Reason == "sip:127.0.0.1:5090", 10_000);
        // The plugin installs the sets and then logs them, so the line may trail the first answer by a moment.
        await UdpCoreTests.Eventually(() => RunningHost.Logs().Any(l => l.Contains("Dispatcher sets loaded: 2 set(s), 3 destination(s)", StringComparison.Ordinal)), 10_000);
    }

    [Test]
    public async Task SetsSection_ChangedAtRunTime_ABadWeightIsRefusedWithItsKey_AGoodChangeIsTaken()
    {
        using var deployment = DispatcherHost.Deployment($$"""{ "ProbeIntervalSeconds": 0, "Sets": {{DispatcherHost.Set((5071, 1, 0))}} }""");
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();

        deployment.WithSettings(JsonNode.Parse("""[ { "Uri": "sip:127.0.0.1:5072", "Weight": "ten" } ]""")!, "Plugins", "Dispatcher", "Sets", "1");
        await UdpCoreTests.Eventually(() => RunningHost.Logs().Any(l => l.Contains("Plugins:Dispatcher:Sets:1:0:Weight: 'ten' is not a number 1..100", StringComparison.Ordinal)), 10_000);
        Assert.That(DispatcherHost.Ask(host, peer, "X-Alg: 4").Reason, Is.EqualTo("sip:127.0.0.1:5071"));

        deployment.WithSettings(JsonNode.Parse("""[ { "Uri": "sip:127.0.0.1:5072", "Weight": 10 } ]""")!, "Plugins", "Dispatcher", "Sets", "1");
        await UdpCoreTests.Eventually(() => DispatcherHost.Ask(host, peer, "X-Alg: 4").Reason == "sip:127.0.0.1:5072", 10_000);
    }

    [Test]
    public async Task BadSetAtStart_ThePluginIsNotLoaded_EveryProblemNamed()
    {
        using var deployment = DispatcherHost.Deployment("""
            { "ProbeIntervalSeconds": 0, "ProbeMode": "Sometimes",
              "Sets": { "1": [ { "Uri": "sip:127.0.0.1:5071" }, { "Uri": "sip:127.0.0.1:5071" }, { "Uri": "sip:bad host" } ], "one": [] } }
            """).WithScript("request_route.csx", "SlSendReply(200, \"OK\");");
        await using var host = await RunningHost.StartAsync(deployment);

        var error = host.Plugins.Errors.Single();
        Assert.That(error, Does.StartWith("plugin Dispatcher: "));
        Assert.That(error, Does.Contain("Plugins:Dispatcher:ProbeMode: 'Sometimes' is not one of Inactive, All"));
        Assert.That(error, Does.Contain("Plugins:Dispatcher:Sets:1:1: sip:127.0.0.1:5071 is already in set 1 (Sets:1:0)"));
        Assert.That(error, Does.Contain("Plugins:Dispatcher:Sets:1:2:Uri: 'sip:bad host' is not a SIP URI: it holds a space"));
        Assert.That(error, Does.Contain("Plugins:Dispatcher:Sets:one: the set id must be a number"));
    }

    private static async Task Write(string path, string[] lines)
    {
        var temporary = path + ".tmp";
        await File.WriteAllLinesAsync(temporary, lines);
        File.Move(temporary, path, overwrite: true);
    }
}
