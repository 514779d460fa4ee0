using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace ScriptedSip.IntegrationTests.Infrastructure;

/// <summary>
/// A real softphone: baresip (Debian package baresip-core) on loopback, driven through its
/// <c>ctrl_tcp</c> module (<see cref="BaresipControl"/>).
/// Each instance gets its own config folder (<c>baresip -f DIR</c>) with free ports: SIP on UDP and
/// TCP, TLS on the SIP port + 1 (baresip always binds it), the control port and an RTP range. Audio
/// goes through <c>aubridge</c> (no sound device needed). Tests that need it are ignored with the
/// install hint when it is missing; the process is killed on dispose, and at the latest when the
/// test process exits.
/// </summary>
public sealed class Baresip : IAsyncDisposable
{
    public const string ModulesPath = "/usr/lib/baresip/modules";

    private static readonly List<Process> Running = [];
    private readonly Process _process;
    private readonly BaresipControl _control;
    private readonly StringBuilder _output;

    static Baresip() => AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();

    private Baresip(string name, string folder, Process process, BaresipControl control, int sipPort, StringBuilder output)
    {
        _output = output;
        Name = name;
        Folder = folder;
        _process = process;
        _control = control;
        SipPort = sipPort;
    }

    public string Name { get; }

    /// <summary>The config folder (config, accounts), deleted on dispose.</summary>
    public string Folder { get; }

    public int SipPort { get; }

    /// <summary>What baresip printed so far (for failure messages).</summary>
    public string Output => Text(_output);

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
        try
        {
            var control = await BaresipControl.ConnectAsync(controlPort, () => !process.HasExited, () => Text(output)).ConfigureAwait(false);
            return new Baresip(name, folder, process, control, sipPort, output);
        }
        catch (AssertionException)
        {
            Kill(process);
            throw;
        }
    }

    /// <summary>Creates the user agent (<c>uanew</c>) and waits for its registration's outcome: REGISTER_OK, or the failure event.</summary>
    public async Task<JsonElement> RegisterAsync(string aor, string password, bool autoAnswer = true)
    {
        var since = EventCount;
        await CommandAsync("uanew", $"<{aor}>;auth_pass={password};regint=600" + (autoAnswer ? ";answermode=auto" : string.Empty)).ConfigureAwait(false);
        return await WaitForEventAsync(since, e => Type(e) is "REGISTER_OK" or "REGISTER_FAIL").ConfigureAwait(false);
    }

    /// <summary>Sends a command and returns its response (<c>ok</c>, <c>data</c>).</summary>
    public Task<JsonElement> CommandAsync(string command, string? parameters = null) => _control.CommandAsync(command, parameters);

    /// <summary>Events received so far (pass as <c>since</c> to wait only for later ones).</summary>
    public int EventCount => _control.EventCount;

    /// <summary>Waits for the first event from index <paramref name="since"/> on that matches.</summary>
    public Task<JsonElement> WaitForEventAsync(int since, Func<JsonElement, bool> matches) => _control.WaitForEventAsync(since, matches);

    /// <summary>Waits for an event of <paramref name="type"/> (e.g. CALL_ESTABLISHED) from index <paramref name="since"/> on.</summary>
    public Task<JsonElement> WaitForEventAsync(int since, string type) => _control.WaitForEventAsync(since, e => Type(e) == type);

    public IReadOnlyList<JsonElement> Events() => _control.Events();

    public static string? Type(JsonElement e) => BaresipControl.Type(e);

    public static string? Param(JsonElement e) => BaresipControl.Param(e);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                await _control.SendAsync("quit").ConfigureAwait(false); // a clean exit unregisters; the kill below is the guarantee
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

            await _control.DisposeAsync().ConfigureAwait(false);
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

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
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
