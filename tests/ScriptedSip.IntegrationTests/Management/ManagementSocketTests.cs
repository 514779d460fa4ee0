using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ScriptedSip.IntegrationTests.Hosting;
using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Management;

/// <summary>The endpoint on a Unix domain socket (<c>Management:Socket</c>): served, owner-only, a stale file replaced, bad paths refused, and scriptedsip-ctl --socket.</summary>
public sealed class ManagementSocketTests
{
    [Test]
    public async Task SocketOnly_ServesRpcAndHealth_OwnerOnly_AStaleFileIsReplaced_CtlSpeaksOverIt()
    {
        using var deployment = new TestDeployment().WithShippedScripts();
        var path = Path.Combine(deployment.Root, "ctl.sock");
        await File.WriteAllBytesAsync(path, []); // left by a run that was killed
        await using var host = await RunningHost.StartAsync(deployment, "--Management:Urls=", "--Management:Socket=ctl.sock", "--Scripts:HotReload=false");

        using var http = OverSocket(path);
        using var ready = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
        using var rpc = await http.PostAsync(new Uri("/rpc", UriKind.Relative), new StringContent("""{"jsonrpc": "2.0", "method": "core.version", "id": 1}""", Encoding.UTF8, "application/json"));
        var answer = JsonDocument.Parse(await rpc.Content.ReadAsStringAsync()).RootElement;
        var ctl = await CtlTests.Ctl("rpc", "core.version", "--socket", path, "--json");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(answer.GetProperty("result").GetProperty("version").GetString(), Is.Not.Empty);
            Assert.That(OperatingSystem.IsWindows() ? UnixFileMode.None : File.GetUnixFileMode(path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite), "only the server's user may connect");
            Assert.That(ctl.Exit, Is.Zero, ctl.Output);
            Assert.That(JsonDocument.Parse(ctl.Output).RootElement.GetProperty("version").GetString(), Is.Not.Empty);
            Assert.That(RunningHost.Logs(), Has.Some.Contains("Management endpoint on unix:" + path));
        }
    }

    [Test]
    public async Task Ctl_NoServerOnTheSocket_Exit1NamingIt()
    {
        var path = Path.Combine(Path.GetTempPath(), $"scriptedsip-none-{Guid.NewGuid():N}.sock");
        var ctl = await CtlTests.Ctl("rpc", "core.version", "--socket", path);

        Assert.That(ctl.Exit, Is.EqualTo(1));
        Assert.That(ctl.Output, Does.StartWith("error: cannot reach unix:" + path));
    }

    [Test]
    public void SocketInAFolderThatDoesNotExist_Exit2NamingTheKey()
    {
        using var deployment = new TestDeployment();
        var outcome = BuildOutcome.Of(deployment, "--Management:Socket=no/such/folder/ctl.sock");

        Assert.That(outcome.ExitCode, Is.EqualTo(2));
        Assert.That(outcome.ErrorLines, Has.Some.StartsWith("error: Management:Socket: the folder of '").And.Some.EndsWith("/no/such/folder/ctl.sock' does not exist"));
    }

    [Test]
    public void SocketPathTooLong_Exit2NamingTheKey()
    {
        using var deployment = new TestDeployment();
        var outcome = BuildOutcome.Of(deployment, "--Management:Socket=" + new string('s', 120));

        Assert.That(outcome.ExitCode, Is.EqualTo(2));
        Assert.That(outcome.ErrorLines, Has.Some.Contains("Management:Socket: '").And.Some.Contains("is longer than a Unix socket path may be (107 bytes)"));
    }

    private static HttpClient OverSocket(string path) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (_, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        },
    })
    {
        BaseAddress = new Uri("http://localhost"),
    };
}
