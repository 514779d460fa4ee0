using System.Text.Json;
using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.IntegrationTests.Transport;

namespace ScriptedSip.IntegrationTests.Management;

/// <summary>Every built-in RPC method and the Htable plugin's methods, called over HTTP on the real host.</summary>
public sealed class RpcMethodsTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Test]
    public async Task CoreStatsAndListings_AnswerWithWhatIsRunning()
    {
        using var deployment = new TestDeployment().WithShippedScripts().WithShippedPlugin("Htable");
        await using var host = await RunningHost.StartAsync(deployment, ManagementClient.EphemeralUrl, "--Plugins:Htable:Tables:users:Size=10");
        using var client = ManagementClient.For(host);
        using var peer = new UdpPeer();
        peer.Send(host.EndPoint, SipText.Request("OPTIONS", $"sip:{host.EndPoint}", peer.LocalEndPoint));
        Assert.That(SipText.StatusCode(peer.ReceiveText(Wait)), Is.EqualTo(200));
        await UdpCoreTests.Eventually(() => host.Counters[Core.Stats.SipCounter.SentReplies2xx] == 1);

        var version = await client.ResultAsync("core.version");
        var uptime = await client.ResultAsync("core.uptime");
        var ps = await client.ResultAsync("core.ps");
        var sockets = await client.ResultAsync("corex.list_sockets");
        var all = await client.ResultAsync("stats.get_statistics", new[] { "all" });
        var group = await client.ResultAsync("stats.get_statistics", new[] { "sl:" });
        var one = await client.ResultAsync("stats.get_statistics", new[] { "core:rcv_requests" });
        var tm = await client.ResultAsync("tm.stats");
        var list = await client.ResultAsync("tm.list");
        var scripts = await client.ResultAsync("app_csx.list");
        var plugins = await client.ResultAsync("plugins.list");
        var methods = await client.ResultAsync("system.listMethods");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(version.GetProperty("version").GetString(), Is.EqualTo(ScriptedSip.Host.StartupBanner.Version));
            Assert.That(uptime.GetProperty("uptime").GetInt64(), Is.GreaterThanOrEqualTo(0));
            Assert.That(ps.GetProperty("pid").GetInt32(), Is.EqualTo(Environment.ProcessId));
            Assert.That(ps.GetProperty("sip_threads").GetArrayLength(), Is.EqualTo(2 + 1), "2 workers (test settings) and 1 receiver");
            Assert.That(sockets[0].GetProperty("port").GetInt32(), Is.EqualTo(host.EndPoint.Port));
            Assert.That(sockets[0].GetProperty("proto").GetString(), Is.EqualTo("udp"));
            Assert.That(all.GetProperty("core:rcv_requests").GetInt64(), Is.EqualTo(1));
            Assert.That(all.TryGetProperty("tm:current", out _), Is.True, "gauges are statistics too");
            Assert.That(group.EnumerateObject().Select(p => p.Name), Is.All.StartsWith("sl:"));
            Assert.That(group.EnumerateObject().Count(), Is.EqualTo(7)); // 1xx..6xx_replies and filtered_acks
            Assert.That(group.GetProperty("sl:2xx_replies").GetInt64(), Is.EqualTo(1));
            Assert.That(one.EnumerateObject().Select(p => p.Name), Is.EqualTo((string[])["core:rcv_requests"]));
            Assert.That(tm.GetProperty("current").GetInt32(), Is.Zero);
            Assert.That(tm.GetProperty("max_suspended").GetInt32(), Is.EqualTo(100_000));
            Assert.That(list.GetArrayLength(), Is.Zero);
            Assert.That(scripts.GetProperty("version").GetInt32(), Is.EqualTo(1));
            Assert.That(scripts.GetProperty("routes").EnumerateArray().Select(r => r.GetProperty("name").GetString()), Is.EquivalentTo((string[])["MANAGE_FAILURE", "RESUME", "nosip_msg", "request_route"]));
            var htable = plugins.EnumerateArray().Single(p => p.GetProperty("name").GetString() == "Htable");
            Assert.That(htable.GetProperty("rpc_methods").EnumerateArray().Select(m => m.GetString()), Is.EquivalentTo((string[])["htable.delete", "htable.dump", "htable.get", "htable.sets"]));
            Assert.That(methods.EnumerateArray().Select(m => m.GetString()), Is.SupersetOf((string[])["core.version", "tm.continue", "app_csx.reload", "log.level", "htable.dump"]));
        }
    }

    [Test]
    public async Task ResetStatistics_ZeroesTheRpcView_MetricsStayMonotonic()
    {
        using var deployment = new TestDeployment().WithShippedScripts();
        await using var host = await RunningHost.StartAsync(deployment, ManagementClient.EphemeralUrl);
        using var client = ManagementClient.For(host);
        using var peer = new UdpPeer();
        for (var i = 0; i < 3; i++)
        {
            peer.Send(host.EndPoint, SipText.Request("OPTIONS", $"sip:{host.EndPoint}", peer.LocalEndPoint));
            Assert.That(SipText.StatusCode(peer.ReceiveText(Wait)), Is.EqualTo(200));
        }

        var reset = await client.ResultAsync("stats.reset_statistics", new[] { "core:" });
        var afterReset = await client.ResultAsync("stats.get_statistics", new[] { "core:rcv_requests", "udp:rcv_datagrams" });
        peer.Send(host.EndPoint, SipText.Request("OPTIONS", $"sip:{host.EndPoint}", peer.LocalEndPoint));
        Assert.That(SipText.StatusCode(peer.ReceiveText(Wait)), Is.EqualTo(200));
        var later = await client.ResultAsync("stats.get_statistics", new[] { "core:rcv_requests" });
        var scrape = await client.ScrapeAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(reset.GetProperty("reset").GetInt32(), Is.EqualTo(11), "the core group's counters");
            Assert.That(afterReset.GetProperty("core:rcv_requests").GetInt64(), Is.Zero);
            Assert.That(afterReset.GetProperty("udp:rcv_datagrams").GetInt64(), Is.EqualTo(3), "another group is untouched");
            Assert.That(later.GetProperty("core:rcv_requests").GetInt64(), Is.EqualTo(1));
            Assert.That(ManagementClient.Sample(scrape, "scriptedsip_core_rcv_requests_total"), Is.EqualTo(4), "Prometheus counters never go back");
        }
    }

    [Test]
    public async Task HtableMethods_SetGetDumpDelete_OverHttp_UnknownTableIsBadParams()
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", "SlSendReply(200, \"OK\");").WithShippedPlugin("Htable");
        await using var host = await RunningHost.StartAsync(deployment, ManagementClient.EphemeralUrl, "--Plugins:Htable:Tables:users:Size=10");
        using var client = ManagementClient.For(host);

        Assert.That((await client.ResultAsync("htable.sets", new[] { "users", "alice", "active" })).GetBoolean(), Is.True);
        Assert.That((await client.ResultAsync("htable.get", new Dictionary<string, string> { ["htable"] = "users", ["key"] = "alice" })).GetProperty("value").GetString(), Is.EqualTo("active"));
        var dump = await client.ResultAsync("htable.dump", new[] { "users" });
        Assert.That(dump.EnumerateArray().Select(i => i.GetProperty("key").GetString()), Is.EqualTo((string[])["alice"]));
        Assert.That((await client.ResultAsync("htable.delete", new[] { "users", "alice" })).GetBoolean(), Is.True);
        Assert.That((await client.ResultAsync("htable.dump", new[] { "users" })).GetArrayLength(), Is.Zero);

        var error = await client.ErrorAsync("htable.dump", new[] { "nosuch" });
        Assert.That(error.GetProperty("code").GetInt32(), Is.EqualTo(-32602));
        Assert.That(error.GetProperty("message").GetString(), Does.Contain("no htable 'nosuch'"));
    }

    [Test]
    public async Task PluginUnloaded_ItsMethodsAreGone()
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", "SlSendReply(200, \"OK\");").WithShippedPlugin("Htable");
        await using var host = await RunningHost.StartAsync(deployment, ManagementClient.EphemeralUrl, "--Plugins:Htable:Tables:users:Size=10", "--Plugins:HotReload=false");
        using var client = ManagementClient.For(host);
        Assert.That((await client.ResultAsync("htable.dump", new[] { "users" })).GetArrayLength(), Is.Zero);

        Directory.Delete(Path.Combine(deployment.PluginsPath, "Htable"), recursive: true);
        host.Plugins.Apply();

        var error = await client.ErrorAsync("htable.dump", new[] { "users" });
        Assert.That(error.GetProperty("code").GetInt32(), Is.EqualTo(-32601));
        Assert.That((await client.ResultAsync("plugins.list")).GetArrayLength(), Is.Zero);
    }

    [Test]
    public async Task APluginsMethod_RunsOnTheThreadPool_NotOnTheSocketThreadTheRequestCameIn()
    {
        // The server as its own process: only there do socket completions run on the runtime's
        // socket event thread (the host sets that up at start), where the management endpoint
        // serves scrapes inline.
        var sipPort = UdpPeer.FreePort();
        var httpPort = FreeTcpPort();
        using var deployment = new TestDeployment(Faults.ProcessSettings.For(sipPort))
            .WithScript("request_route.csx", "SlSendReply(200, \"OK\");")
            .WithTestPlugin("Greeter.V1", "Greeter");
        using var server = HostProcess.Start(deployment, $"--Management:Urls:0=http://127.0.0.1:{httpPort}");
        await server.WaitUntilAnsweringAsync(sipPort);

        // A kept-alive connection (as a Prometheus server or a control client keeps one), and the
        // request's headers and body in one write: the whole request is there when the socket
        // event thread reads it, which is where Kestrel then runs a request of such a connection.
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(System.Net.IPAddress.Loopback, httpPort);
        var stream = client.GetStream();
        Assert.That(await ExchangeAsync(stream, "GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"), Is.EqualTo("live\n"));
        const string Json = """{"jsonrpc":"2.0","id":1,"method":"greeter.thread"}""";
        var answer = await ExchangeAsync(stream, $"POST /rpc HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {Json.Length}\r\n\r\n{Json}");

        var thread = JsonDocument.Parse(answer).RootElement.GetProperty("result");
        Assert.That(thread.GetProperty("pool").GetBoolean(), Is.True, thread.ToString());
    }

    /// <summary>Writes one request in one write and reads its response's body (by Content-Length).</summary>
    private static async Task<string> ExchangeAsync(System.Net.Sockets.NetworkStream stream, string request)
    {
        await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(request));
        var received = new List<byte>();
        var buffer = new byte[4096];
        while (true)
        {
            var text = System.Text.Encoding.UTF8.GetString(received.ToArray());
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                var length = int.Parse(System.Text.RegularExpressions.Regex.Match(text[..end], "(?im)^Content-Length: *(\\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                if (received.Count >= end + 4 + length)
                {
                    return System.Text.Encoding.UTF8.GetString(received.ToArray(), end + 4, length);
                }
            }

            var read = await stream.ReadAsync(buffer);
            Assert.That(read, Is.GreaterThan(0), "the connection closed before the whole response");
            received.AddRange(buffer.AsSpan(0, read).ToArray());
        }
    }

    private static int FreeTcpPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    internal static string Json(object value) => JsonSerializer.Serialize(value);
}
