using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Management;

/// <summary>log.level changes what NLog writes at run time, without a restart.</summary>
[NonParallelizable]
public sealed class LogLevelTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Test]
    public async Task LevelInfo_HidesDebugLines_LevelDebug_ShowsThemWithoutRestart()
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", """
            Xlog(ScriptLogLevel.Debug, $"debug-marker {Ci}");
            SlSendReply(200, "OK");
            """);
        await using var host = await RunningHost.StartAsync(deployment, ManagementClient.EphemeralUrl);
        using var client = ManagementClient.For(host);
        using var peer = new UdpPeer();
        try
        {
            Assert.That((await client.ResultAsync("log.level", new[] { "Info" })).GetProperty("level").GetString(), Is.EqualTo("Info"));
            Assert.That((await client.ResultAsync("log.level")).GetProperty("level").GetString(), Is.EqualTo("Info"));
            peer.Send(host.EndPoint, SipText.Request("OPTIONS", $"sip:{host.EndPoint}", peer.LocalEndPoint, callId: "quiet-call"));
            Assert.That(SipText.StatusCode(peer.ReceiveText(Wait)), Is.EqualTo(200));

            Assert.That((await client.ResultAsync("log.level", new[] { "Debug" })).GetProperty("level").GetString(), Is.EqualTo("Debug"));
            peer.Send(host.EndPoint, SipText.Request("OPTIONS", $"sip:{host.EndPoint}", peer.LocalEndPoint, callId: "loud-call"));
            Assert.That(SipText.StatusCode(peer.ReceiveText(Wait)), Is.EqualTo(200));

            var logs = RunningHost.Logs();
            Assert.That(logs, Has.None.Contains("debug-marker quiet-call"), "Info hides the debug line");
            Assert.That(logs, Has.Some.Contains("debug-marker loud-call"), "Debug shows it, same process");
        }
        finally
        {
            await client.ResultAsync("log.level", new[] { "Debug" }); // the test settings' level, for the tests after this one
        }
    }
}
