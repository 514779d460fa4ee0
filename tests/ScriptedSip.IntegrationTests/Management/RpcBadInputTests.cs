using System.Net;
using System.Text.Json;
using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Management;

/// <summary>
/// Bad input to the management endpoint: each case gets its precise JSON-RPC error or HTTP status,
/// a log line, and the server goes on serving SIP and RPC.
/// </summary>
public sealed class RpcBadInputTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Test]
    public async Task EveryBadRequest_GetsItsErrorCode_AndTheServerKeepsServing()
    {
        using var deployment = new TestDeployment().WithShippedScripts();
        await using var host = await RunningHost.StartAsync(deployment, ManagementClient.EphemeralUrl);
        using var client = ManagementClient.For(host);

        (string Body, int Code, string Message)[] cases =
        [
            ("{\"jsonrpc\": \"2.0\", \"method\": ", -32700, "parse error"),
            ("not json at all", -32700, "parse error"),
            ("{\"jsonrpc\": \"2.0\", \"id\": 1}", -32600, "method is missing"),
            ("{\"jsonrpc\": \"2.0\", \"method\": 42, \"id\": 1}", -32600, "method is missing or not a string"),
            ("{\"method\": \"core.version\", \"id\": 1}", -32600, "jsonrpc must be \"2.0\""),
            ("{\"jsonrpc\": \"2.0\", \"method\": \"core.version\", \"id\": {\"x\": 1}}", -32600, "id must be"),
            ("{\"jsonrpc\": \"2.0\", \"method\": \"core.version\", \"params\": 7, \"id\": 1}", -32600, "params must be an array or an object"),
            ("\"just a string\"", -32600, "must be a JSON object"),
            ("[]", -32600, "empty batch"),
            ("{\"jsonrpc\": \"2.0\", \"method\": \"no.such\", \"id\": 1}", -32601, "method not found: no.such"),
            ("{\"jsonrpc\": \"2.0\", \"method\": \"tm.continue\", \"params\": [1, 2, 3], \"id\": 1}", -32602, "parameter route must be a string, not a number"),
            ("{\"jsonrpc\": \"2.0\", \"method\": \"tm.continue\", \"params\": [true, 2, \"R\"], \"id\": 1}", -32602, "parameter index must be a whole number"),
            ("{\"jsonrpc\": \"2.0\", \"method\": \"tm.continue\", \"params\": [1], \"id\": 1}", -32602, "parameter label (a number) is missing"),
            ("{\"jsonrpc\": \"2.0\", \"method\": \"stats.get_statistics\", \"params\": [[1]], \"id\": 1}", -32602, "parameter statistic must be a string"),
            ("{\"jsonrpc\": \"2.0\", \"method\": \"stats.get_statistics\", \"params\": [\"nope:\"], \"id\": 1}", -32602, "no statistic or group 'nope:'"),
            ("{\"jsonrpc\": \"2.0\", \"method\": \"log.level\", \"params\": [\"Loud\"], \"id\": 1}", -32602, "level 'Loud' is not one of"),
        ];

        foreach (var (body, code, message) in cases)
        {
            var answer = await client.PostRpcAsync(body);
            var error = answer.GetProperty("error");
            using (Assert.EnterMultipleScope())
            {
                Assert.That(error.GetProperty("code").GetInt32(), Is.EqualTo(code), body);
                Assert.That(error.GetProperty("message").GetString(), Does.Contain(message), body);
                Assert.That(answer.GetProperty("jsonrpc").GetString(), Is.EqualTo("2.0"));
                Assert.That(answer.TryGetProperty("id", out _), Is.True, "an error answer always has an id (null when unknown)");
            }
        }

        Assert.That(RunningHost.Logs(), Has.Some.Contains("RPC no.such rejected (-32601)"));
        await AssertStillServing(host, client);
    }

    [Test]
    public async Task Batch_AnswersInOrder_NotificationsUnanswered_OnlyNotificationsIs204()
    {
        using var deployment = new TestDeployment().WithShippedScripts();
        await using var host = await RunningHost.StartAsync(deployment, ManagementClient.EphemeralUrl);
        using var client = ManagementClient.For(host);

        var batch = await client.PostRpcAsync("""
            [
              {"jsonrpc": "2.0", "method": "core.version", "id": "a"},
              {"jsonrpc": "2.0", "method": "core.uptime"},
              {"jsonrpc": "2.0", "method": "no.such", "id": 2},
              5
            ]
            """);
        Assert.That(batch.GetArrayLength(), Is.EqualTo(3), "the notification gets no answer");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(batch[0].GetProperty("id").GetString(), Is.EqualTo("a"));
            Assert.That(batch[0].TryGetProperty("result", out _), Is.True);
            Assert.That(batch[1].GetProperty("error").GetProperty("code").GetInt32(), Is.EqualTo(-32601));
            Assert.That(batch[1].GetProperty("id").GetInt32(), Is.EqualTo(2));
            Assert.That(batch[2].GetProperty("error").GetProperty("code").GetInt32(), Is.EqualTo(-32600));
            Assert.That(batch[2].GetProperty("id").ValueKind, Is.EqualTo(JsonValueKind.Null));
        }

        using var onlyNotification = await client.PostAsync("/rpc", """{"jsonrpc": "2.0", "method": "core.uptime"}""");
        Assert.That(onlyNotification.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
    }

    [Test]
    public async Task HugeBody_Is413_WrongVerbIs405_UnknownPathIs404_NeverA500()
    {
        using var deployment = new TestDeployment().WithShippedScripts();
        await using var host = await RunningHost.StartAsync(deployment, ManagementClient.EphemeralUrl);
        using var client = ManagementClient.For(host);

        var huge = "{\"jsonrpc\": \"2.0\", \"method\": \"core.version\", \"params\": [\"" + new string('x', 70 * 1024) + "\"], \"id\": 1}";
        using (var response = await client.PostAsync("/rpc", huge))
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
            Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("request body too large (limit 65536 bytes)"));
        }

        // Without Content-Length (chunked): the limit holds while reading.
        using (var chunked = new HttpRequestMessage(HttpMethod.Post, new Uri("/rpc", UriKind.Relative)))
        {
            chunked.Content = new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(huge)));
            chunked.Headers.TransferEncodingChunked = true;
            using var response = await client.Http.SendAsync(chunked);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        }

        using (var response = await client.GetAsync("/rpc"))
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
            Assert.That(response.Content.Headers.Allow, Is.EqualTo((string[])["POST"]));
        }

        using (var response = await client.PostAsync("/metrics", "x"))
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
        }

        using (var response = await client.GetAsync("/nothing/here"))
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("GET /metrics"));
        }

        Assert.That(RunningHost.Logs(), Has.Some.Contains("Management: bad request to /rpc (413)"));
        await AssertStillServing(host, client);
    }

    internal static async Task AssertStillServing(RunningHost host, ManagementClient client)
    {
        using var peer = new UdpPeer();
        peer.Send(host.EndPoint, SipText.Request("OPTIONS", $"sip:{host.EndPoint}", peer.LocalEndPoint));
        Assert.That(SipText.StatusCode(peer.ReceiveText(Wait)), Is.EqualTo(200), "SIP still served");
        Assert.That((await client.ResultAsync("core.version")).GetProperty("version").GetString(), Is.Not.Empty, "RPC still served");
    }
}
