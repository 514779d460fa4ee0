using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace ScriptedSip.Ctl;

/// <summary>One JSON-RPC call over HTTP to the host's /rpc; every failure becomes an <see cref="RpcFailure"/> with a message for the operator.</summary>
internal sealed class RpcClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly string _target;

    public RpcClient(Uri baseUrl, string? token)
        : this(new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(120) }, baseUrl.ToString(), token)
    {
    }

    private RpcClient(HttpClient http, string target, string? token)
    {
        _http = http;
        _target = target;
        if (!string.IsNullOrEmpty(token))
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    /// <summary>A client that speaks HTTP over the server's Unix domain socket (<c>Management:Socket</c>).</summary>
    public static RpcClient OverSocket(string path, string? token)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new RpcClient(new HttpClient(handler) { BaseAddress = new Uri("http://localhost"), Timeout = TimeSpan.FromSeconds(120) }, "unix:" + path, token);
    }

    public async Task<JsonElement> CallAsync(string method, IReadOnlyList<JsonElement> parameters, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        using (var writer = new Utf8JsonWriter(body))
        {
            writer.WriteStartObject();
            writer.WriteString("jsonrpc", "2.0");
            writer.WriteString("method", method);
            writer.WriteStartArray("params");
            foreach (var parameter in parameters)
            {
                parameter.WriteTo(writer);
            }

            writer.WriteEndArray();
            writer.WriteNumber("id", 1);
            writer.WriteEndObject();
        }

        HttpResponseMessage response;
        try
        {
            using var content = new ByteArrayContent(body.ToArray());
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            response = await _http.PostAsync(new Uri("/rpc", UriKind.Relative), content, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex) when (ex.InnerException is SocketException)
        {
            throw new RpcFailure($"cannot reach {_target}: {ex.InnerException.Message} (is the server running with Management:Urls or Management:Socket?)");
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new RpcFailure($"HTTP {(int)response.StatusCode}: {text.Trim()}");
            }

            var answer = JsonDocument.Parse(text).RootElement.Clone();
            if (answer.TryGetProperty("error", out var error))
            {
                var message = $"{error.GetProperty("code").GetInt32()}: {error.GetProperty("message").GetString()}";
                if (error.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object && data.TryGetProperty("errors", out var errors))
                {
                    var lines = new StringBuilder(message);
                    foreach (var line in errors.EnumerateArray())
                    {
                        lines.Append('\n').Append(line.GetString());
                    }

                    message = lines.ToString();
                }

                throw new RpcFailure(message);
            }

            return answer.GetProperty("result");
        }
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>An RPC that did not succeed: printed as <c>error: …</c>, exit code 1.</summary>
internal sealed class RpcFailure : Exception
{
    public RpcFailure()
    {
    }

    public RpcFailure(string message)
        : base(message)
    {
    }

    public RpcFailure(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
