using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace ScriptedSip.IntegrationTests.Infrastructure;

/// <summary>
/// The connection to baresip's <c>ctrl_tcp</c> module: commands sent and responses and events
/// received as JSON framed in netstrings (<c>LEN:{json},</c>). Responses carry the command's
/// <c>token</c>; everything else is an event (<c>{"event":true,"type":"REGISTER_OK",…}</c>), kept
/// in arrival order so a test waits for the first matching one after a given point.
/// </summary>
public sealed class BaresipControl : IAsyncDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly TcpClient _client;
    private readonly Func<string> _describe;
    private readonly List<JsonElement> _events = [];
    private readonly Dictionary<string, TaskCompletionSource<JsonElement>> _responses = new(StringComparer.Ordinal);
    private readonly Task _reader;
    private int _token;

    private BaresipControl(TcpClient client, Func<string> describe)
    {
        _client = client;
        _describe = describe;
        _reader = Task.Run(ReadAsync);
    }

    /// <summary>Events received so far (pass as <c>since</c> to wait only for later ones).</summary>
    public int EventCount
    {
        get
        {
            lock (_events)
            {
                return _events.Count;
            }
        }
    }

    /// <summary>
    /// Connects once baresip listens on <paramref name="port"/> — retried until then, the readiness
    /// signal of its start — while <paramref name="alive"/> holds. <paramref name="describe"/> gives
    /// what to print when something does not come (baresip's output).
    /// </summary>
    public static async Task<BaresipControl> ConnectAsync(int port, Func<bool> alive, Func<string> describe)
    {
        var deadline = Environment.TickCount64 + (long)Wait.TotalMilliseconds;
        while (true)
        {
            var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
                return new BaresipControl(client, describe);
            }
            catch (SocketException)
            {
                client.Dispose();
            }

            if (!alive() || Environment.TickCount64 > deadline)
            {
                throw new AssertionException($"baresip did not open its control port {port}; it printed:\n{describe()}");
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    /// <summary>Sends a command and returns its response (<c>ok</c>, <c>data</c>).</summary>
    public async Task<JsonElement> CommandAsync(string command, string? parameters = null)
    {
        var token = "t" + Interlocked.Increment(ref _token).ToString(CultureInfo.InvariantCulture);
        var response = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_responses)
        {
            _responses[token] = response;
        }

        await SendAsync(command, parameters, token).ConfigureAwait(false);
        return await response.Task.WaitAsync(Wait).ConfigureAwait(false);
    }

    /// <summary>Sends a command without waiting for its response (<c>quit</c>: baresip may be gone before it answers).</summary>
    public async Task SendAsync(string command, string? parameters = null, string token = "")
    {
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new Dictionary<string, string?> { ["command"] = command, ["params"] = parameters, ["token"] = token }));
        var frame = Encoding.ASCII.GetBytes(json.Length.ToString(CultureInfo.InvariantCulture) + ":").Concat(json).Append((byte)',').ToArray();
        await _client.GetStream().WriteAsync(frame).ConfigureAwait(false);
    }

    /// <summary>Waits for the first event from index <paramref name="since"/> on that matches (the readiness signal of every step).</summary>
    public async Task<JsonElement> WaitForEventAsync(int since, Func<JsonElement, bool> matches)
    {
        var deadline = Environment.TickCount64 + (long)Wait.TotalMilliseconds;
        while (true)
        {
            lock (_events)
            {
                for (var i = since; i < _events.Count; i++)
                {
                    if (matches(_events[i]))
                    {
                        return _events[i];
                    }
                }
            }

            if (Environment.TickCount64 > deadline || _reader.IsCompleted)
            {
                throw new AssertionException($"the awaited event did not come; events: {string.Join(", ", Events().Skip(since).Select(Type))}; baresip printed:\n{_describe()}");
            }

            await Task.Delay(10).ConfigureAwait(false);
        }
    }

    public IReadOnlyList<JsonElement> Events()
    {
        lock (_events)
        {
            return [.. _events];
        }
    }

    public static string? Type(JsonElement e) => e.TryGetProperty("type", out var type) ? type.GetString() : null;

    public static string? Param(JsonElement e) => e.TryGetProperty("param", out var param) ? param.GetString() : null;

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _reader.ConfigureAwait(false);
    }

    private async Task ReadAsync()
    {
        var buffer = new List<byte>();
        var chunk = new byte[8192];
        try
        {
            var stream = _client.GetStream();
            int read;
            while ((read = await stream.ReadAsync(chunk).ConfigureAwait(false)) > 0)
            {
                buffer.AddRange(chunk.AsSpan(0, read));
                while (TryTakeNetstring(buffer) is { } json)
                {
                    Dispatch(JsonDocument.Parse(json).RootElement.Clone());
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException or InvalidOperationException)
        {
            // the connection closed: baresip exited or the test is done
        }
    }

    private void Dispatch(JsonElement message)
    {
        if (message.TryGetProperty("response", out _) && message.TryGetProperty("token", out var token) && token.GetString() is { } key)
        {
            TaskCompletionSource<JsonElement>? waiter;
            lock (_responses)
            {
                _responses.Remove(key, out waiter);
            }

            waiter?.TrySetResult(message);
            return;
        }

        lock (_events)
        {
            _events.Add(message);
        }
    }

    /// <summary>One whole netstring <c>LEN:DATA,</c> from the front of <paramref name="buffer"/>, or null until it has arrived.</summary>
    private static string? TryTakeNetstring(List<byte> buffer)
    {
        var colon = buffer.IndexOf((byte)':');
        if (colon < 0)
        {
            return null;
        }

        var length = int.Parse(Encoding.ASCII.GetString([.. buffer.GetRange(0, colon)]), CultureInfo.InvariantCulture);
        if (buffer.Count < colon + 1 + length + 1)
        {
            return null;
        }

        var text = Encoding.UTF8.GetString([.. buffer.GetRange(colon + 1, length)]);
        buffer.RemoveRange(0, colon + 1 + length + 1);
        return text;
    }
}
