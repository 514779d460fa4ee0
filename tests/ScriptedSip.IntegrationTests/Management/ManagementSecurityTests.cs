using System.Net;
using System.Net.Sockets;
using ScriptedSip.IntegrationTests.Hosting;
using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Management;

/// <summary>The bearer token, and the configuration checks that keep the endpoint from being exposed by mistake.</summary>
public sealed class ManagementSecurityTests
{
    private const string Token = "s3cret-token-for-tests";

    [Test]
    public async Task TokenConfigured_MissingOrWrongIs401_RightOneServes()
    {
        using var deployment = new TestDeployment().WithShippedScripts();
        await using var host = await RunningHost.StartAsync(deployment, ManagementClient.EphemeralUrl, "--Management:Token=" + Token);
        var url = ManagementClient.UrlOf(host);

        foreach (var (token, label) in new (string?, string)[] { (null, "missing"), ("wrong", "wrong"), (Token + "x", "longer"), (Token[..^1], "shorter") })
        {
            using var client = new ManagementClient(url, token);
            using var metrics = await client.GetAsync("/metrics");
            using var rpc = await client.PostAsync("/rpc", """{"jsonrpc": "2.0", "method": "core.version", "id": 1}""");
            using (Assert.EnterMultipleScope())
            {
                Assert.That(metrics.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), label);
                Assert.That(rpc.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), label);
                Assert.That(metrics.Headers.WwwAuthenticate.ToString(), Is.EqualTo("Bearer"));
            }
        }

        using var authorized = new ManagementClient(url, Token);
        Assert.That((await authorized.ResultAsync("core.version")).GetProperty("version").GetString(), Is.Not.Empty);
        using var live = await authorized.GetAsync("/health/live");
        Assert.That(live.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(RunningHost.Logs(), Has.Some.Contains("refused: missing or wrong bearer token"));
    }

    [Test]
    public void NonLoopbackWithoutToken_Exit2NamingTheKey()
    {
        using var deployment = new TestDeployment();
        var outcome = BuildOutcome.Of(deployment, "--Management:Urls:0=http://0.0.0.0:9061");
        Assert.That(outcome.ExitCode, Is.EqualTo(2));
        Assert.That(outcome.ErrorLines, Is.EqualTo((string[])["error: Management:Token: required because Management:Urls has the non-loopback address http://0.0.0.0:9061 (anyone who reaches it could control the server)"]));

        var withToken = BuildOutcome.Of(deployment, "--Management:Urls:0=http://0.0.0.0:9061", "--Management:Token=" + Token);
        Assert.That(withToken.ExitCode, Is.Zero, string.Join("\n", withToken.ErrorLines));
    }

    [TestCase("ftp://127.0.0.1:9060", "is not an address of the form http://IP:PORT")]
    [TestCase("https://127.0.0.1:9060", "is not an address of the form http://IP:PORT")]
    [TestCase("http://127.0.0.1", "must name the port")]
    [TestCase("http://example.com:9060", "must name an IP address")]
    [TestCase("http://127.0.0.1:9060/admin", "must not have a path")]
    public void BadUrl_Exit2WithReason(string url, string reason)
    {
        using var deployment = new TestDeployment();
        var outcome = BuildOutcome.Of(deployment, "--Management:Urls:0=" + url);
        Assert.That(outcome.ExitCode, Is.EqualTo(2));
        Assert.That(outcome.ErrorLines, Has.Exactly(1).StartWith($"error: Management:Urls:0: '{url}' ").And.Contains(reason));
    }

    [Test]
    public void Defaults_LoopbackPort9060_EmptyListIsOff_UnknownKeySuggestsTheKnownOne()
    {
        using var deployment = new TestDeployment();
        var defaults = BuildOutcome.Of(deployment).Settings!.Management;
        Assert.That(defaults.Endpoints.Select(e => e.ToString()), Is.EqualTo((string[])["127.0.0.1:9060"]));
        Assert.That(defaults.RequiresToken, Is.False);
        Assert.That(BuildOutcome.Of(deployment, "--Management:Urls=").Settings!.Management.Enabled, Is.False);

        using var jsonOff = new TestDeployment(TestDeployment.DefaultSettings("\"Management\": { \"Urls\": [] },"));
        Assert.That(BuildOutcome.Of(jsonOff).Settings!.Management.Enabled, Is.False, "an empty JSON list turns it off");

        var typo = BuildOutcome.Of(deployment, "--Management:Tokn=x");
        Assert.That(typo.ErrorLines, Is.EqualTo((string[])["error: Management:Tokn: unknown key (did you mean Management:Token?)"]));
    }

    [Test]
    public async Task PortInUse_OneLineExit2()
    {
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var port = ((IPEndPoint)occupant.LocalEndpoint).Port;
        using var deployment = new TestDeployment().WithShippedScripts();
        var (exit, output) = await ProcessTests.RunAsync(deployment, $"--Management:Urls:0=http://127.0.0.1:{port}", "--Sip:Listen:0=udp:127.0.0.1:0");
        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output.Trim(), Does.StartWith($"error: Management:Urls: cannot listen on http://127.0.0.1:{port}: ").And.Contain("in use"));
        Assert.That(output, Does.Not.Contain("   at "));
    }
}
