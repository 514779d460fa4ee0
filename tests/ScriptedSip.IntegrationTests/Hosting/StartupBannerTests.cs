using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Hosting;

/// <summary>Once started, the host says at Information level what is running and how to stop it.</summary>
public sealed class StartupBannerTests
{
    [Test]
    public async Task Started_LogsVersionContentRootListenAddressesRoutesPluginsAndHowToStop()
    {
        using var deployment = new TestDeployment()
            .WithScript("request_route.csx", "return;")
            .WithScript("failure_one.csx", "return;")
            .WithShippedPlugin("Htable");
        await using var host = await RunningHost.StartAsync(deployment);

        var logs = RunningHost.Logs();
        Assert.That(logs, Has.One.Match(@"^INFO ScriptedSip\.Host\.StartupBanner: ScriptedSip \d+\.\d+\.\d+\S* started; content root " + System.Text.RegularExpressions.Regex.Escape(deployment.Root) + "$"));
        Assert.That(logs, Has.One.EqualTo(
            $"INFO ScriptedSip.Host.StartupBanner: Listening on udp:127.0.0.1:{host.EndPoint.Port}; 2 routes (failure_one, request_route), 1 plugin (Htable) loaded; Ctrl-C to stop"));
    }
}
