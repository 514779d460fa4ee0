using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace ScriptedSip.IntegrationTests.Infrastructure;

/// <summary>
/// A real softphone: baresip (Debian package baresip-core) on loopback, driven through its
/// <c>ctrl_tcp</c> module — JSON commands and events framed as netstrings (<c>LEN:{json},</c>).
/// Each instance gets its own config folder (<c>baresip -f DIR</c>) with free ports: SIP on UDP and
/// TCP, TLS on the SIP port + 1 (baresip always binds it), the control port and an RTP range. Audio
/// goes through <c>aubridge</c> (no sound device needed). Tests that need it are ignored with the
/// install hint when it is missing; the process is killed on dispose, and at the latest when the
/// test process exits.
/// </summary>
public sealed class Baresip : IAsyncDisposable
{
    public const string ModulesPath = "/usr/lib/baresip/modules";

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly List<Process> Running = [];
    private readonly Process _process;
    private readonly TcpClient _control;
    private readonly StringBuilder _output;
    private readonly List<JsonElement> _events = [];
    private readonly Dictionary<string, TaskCompletionSource<JsonElement>> _responses = new(StringComparer.Ordinal);
    private readonly Task _reader;
    private int _token;

    static Baresip() => AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();

    private Baresip(string name, string folder, Process process, TcpClient control, int sipPort, StringBuilder output)
    {
        _output = output;
        Name = name;
        Folder = folder;
        _process = process;
        _control = control;
        SipPort = sipPort;
        _reader = Task.Run(ReadEventsAsync);
    }

    public string Name { get; }

    /// <summary>The config folder (config, accounts), deleted on dispose.</summary>
    public string Folder { get; }

    public int SipPort { get; }

    /// <summary>What baresip printed so far (for failure messages).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static string? Path => Sipp.FindOnPath("baresip");

    public static void RequireInstalled()
    {
        if (Path is null)
        {
            Assert.Ignore("baresip is not installed: apt-get install -y baresip-core (CI installs it)");
        }

        if (!File.Exists(System.IO.Path.Combine(ModulesPath, "ctrl_tcp.so")) || !File.Exists(System.IO.Path.Combine(ModulesPath, "aubridge.so")))
        {
            Assert.Ignore($"baresip's ctrl_tcp and aubridge modules are not in {ModulesPath}: apt-get install -y baresip-core (CI installs it)");
        }
    }

    /// <summary>
    /// Starts baresip on <paramref name="address"/> (a loopback address: 127.0.0.2 is a second
    /// "machine") with no account yet (<see cref="RegisterAsync"/> adds it) and connects to its control port.
    /// </summary>
    public static async Task<Baresip> StartAsync(string name, string address = "127.0.0.1")
    {
        RequireInstalled();
        var folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"baresip-{name}-{Guid.NewGuid():N}"[..24]);
        Directory.CreateDirectory(folder);
        var sipPort = FreeSipPort(IPAddress.Parse(address));
        var controlPort = FreeTcpPort();
        var rtpPort = Math.Min(UdpPeer.FreePort(), 65000);
        File.WriteAllText(System.IO.Path.Combine(folder, "accounts"), string.Empty);
        File.WriteAllText(System.IO.Path.Combine(folder, "config"), string.Create(CultureInfo.InvariantCulture, $"""
            poll_method epoll
            sip_listen {address}:{sipPort}
            net_interface {address}
            dns_server 127.0.0.1:53
            audio_player aubridge,{name}
            audio_source aubridge,{name}
            audio_alert aubridge,{name}
            rtp_ports {rtpPort}-{rtpPort + 20}
            module_path {ModulesPath}
            module g711.so
            module aubridge.so
            module_app account.so
            module_app menu.so
            module_app ctrl_tcp.so
            ctrl_tcp_listen 127.0.0.1:{controlPort}

            """));
        var info = new ProcessStartInfo(Path!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true, // never the test's console
            UseShellExecute = false,
            WorkingDirectory = folder,
        };
        info.ArgumentList.Add("-f");
        info.ArgumentList.Add(folder);
        var process = Process.Start(info)!;
        lock (Running)
        {
            Running.Add(process);
        }

        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var control = await ConnectAsync(process, controlPort, output).ConfigureAwait(false);
        return new Baresip(name, folder, process, control, sipPort, output);
    }

    /// <summary>Creates the user agent (<c>uanew</c>) and waits for its registration's outcome: REGISTER_OK, or the failure event.</summary>
    public async Task<JsonElement> RegisterAsync(string aor, string password, bool autoAnswer = true)
    {
        var since = EventCount;
        await CommandAsync("uanew", $"<{aor}>;auth_pass={password};regint=600" + (autoAnswer ? ";answermode=auto" : string.Empty)).ConfigureAwait(false);
        return await WaitForEventAsync(since, e => Type(e) is "REGISTER_OK" or "REGISTER_FAIL").ConfigureAwait(false);
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

        var json = JsonSerializer.Serialize(new Dictionary<string, string?> { ["command"] = command, ["params"] = parameters, ["token"] = token });
        var bytes = Encoding.UTF8.GetBytes(json);
        var frame = Encoding.ASCII.GetBytes(bytes.Length.ToString(CultureInfo.InvariantCulture) + ":").Concat(bytes).Append((byte)',').ToArray();
        await _control.GetStream().WriteAsync(frame).ConfigureAwait(false);
        return await response.Task.WaitAsync(Wait).ConfigureAwait(false);
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

            if (Environment.TickCount64 > deadline || _process.HasExited)
            {
                throw new AssertionException($"{Name}: the awaited event did not come; events: {string.Join(", ", Events().Skip(since).Select(Type))}; baresip printed:\n{Output}");
            }

            await Task.Delay(10).ConfigureAwait(false);
        }
    }

    /// <summary>Waits for an event of <paramref name="type"/> (e.g. CALL_ESTABLISHED) from index <paramref name="since"/> on.</summary>
    public Task<JsonElement> WaitForEventAsync(int since, string type) => WaitForEventAsync(since, e => Type(e) == type);

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
        try
        {
            if (!_process.HasExited)
            {
                _ = CommandAsync("quit"); // a clean exit unregisters; the kill below is the guarantee
                using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(3));
                await _process.WaitForExitAsync(exit.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException or SocketException or TimeoutException)
        {
        }
        finally
        {
            Kill(_process);
            lock (Running)
            {
                Running.Remove(_process);
            }

            _control.Dispose();
            await _reader.ConfigureAwait(false);
            _process.Dispose();
            try
            {
                Directory.Delete(Folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private async Task ReadEventsAsync()
    {
        var stream = _control.GetStream();
        var buffer = new List<byte>();
        var chunk = new byte[8192];
        try
        {
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
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException)
        {
            // the control connection closed: baresip exited or the test is done
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

    /// <summary>Connects to the control port once baresip listens on it (retried until then: the readiness signal of the start).</summary>
    private static async Task<TcpClient> ConnectAsync(Process process, int port, StringBuilder output)
    {
        var deadline = Environment.TickCount64 + (long)Wait.TotalMilliseconds;
        while (true)
        {
            var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
                return client;
            }
            catch (SocketException)
            {
                client.Dispose();
            }

            if (process.HasExited || Environment.TickCount64 > deadline)
            {
                Kill(process);
                string printed;
                lock (output)
                {
                    printed = output.ToString();
                }

                throw new AssertionException($"baresip did not open its control port {port}; it printed:\n{printed}");
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    /// <summary>A port free for SIP over UDP and TCP whose next port is free for TCP too (baresip binds TLS there).</summary>
    private static int FreeSipPort(IPAddress address)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var port = UdpPeer.FreePort(); // UDP-free on every loopback address
            if (port is < 1024 or > 65000 || (port >= 15060 && port <= 15096))
            {
                continue;
            }

            try
            {
                using var udp = new UdpClient(new IPEndPoint(address, port));
                using var tcp = new TcpListener(address, port);
                using var tls = new TcpListener(address, port + 1);
                tcp.Start();
                tls.Start();
                tcp.Stop();
                tls.Stop();
                return port;
            }
            catch (SocketException)
            {
            }
        }

        throw new InvalidOperationException($"no free SIP port pair on {address}");
    }

    private static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    private static void KillAll()
    {
        lock (Running)
        {
            foreach (var process in Running)
            {
                Kill(process);
            }

            Running.Clear();
        }
    }
}
