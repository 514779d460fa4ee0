using System.Diagnostics;
using System.Text;
using ScriptedSip.Host;

namespace ScriptedSip.IntegrationTests.Infrastructure;

/// <summary>
/// The real host as a separate process (<c>dotnet ScriptedSip.Host.dll --contentRoot …</c>), for
/// faults that end a process: SIGKILL, a log target that cannot write. Its stdout and stderr are
/// collected as they come.
/// </summary>
public sealed class HostProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private HostProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
        _process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Stdout => Read(_stdout);

    public string Stderr => Read(_stderr);

    public bool HasExited => _process.HasExited;

    /// <summary>The process id (for reading /proc).</summary>
    public int Id => _process.Id;

    /// <summary>The exit code once the process ended by itself within 60 s; fails the test otherwise.</summary>
    public int WaitForExitCode()
    {
        if (!_process.WaitForExit(60_000))
        {
            Assert.Fail($"the host process did not exit{Environment.NewLine}{Stdout}{Stderr}");
        }

        _process.WaitForExit(); // the output readers are drained
        return _process.ExitCode;
    }

    /// <summary>Waits (at most 60 s) until a line of stdout contains <paramref name="text"/>.</summary>
    public async Task WaitForOutputAsync(string text)
    {
        var deadline = Environment.TickCount64 + 60_000;
        while (!Stdout.Contains(text, StringComparison.Ordinal))
        {
            if (Environment.TickCount64 > deadline || _process.HasExited)
            {
                Assert.Fail($"the host process did not write \"{text}\" (exited: {_process.HasExited}){Environment.NewLine}{Stdout}{Stderr}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Starts the host on <paramref name="deployment"/> with the management endpoint off (a fixed port would collide).</summary>
    public static HostProcess Start(TestDeployment deployment, params string[] args)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(typeof(ScriptedSipApplication).Assembly.Location);
        info.ArgumentList.Add("--contentRoot");
        info.ArgumentList.Add(deployment.Root);
        info.ArgumentList.Add("--Management:Urls=");
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return new HostProcess(Process.Start(info)!);
    }

    /// <summary>Sends OPTIONS until one is answered (the readiness signal), at most 30 s.</summary>
    public async Task WaitUntilAnsweringAsync(int port)
    {
        if (!await AnswersAsync(port, _process))
        {
            Assert.Fail($"the host process did not start answering (exited: {_process.HasExited}){Environment.NewLine}{Stdout}{Stderr}");
        }
    }

    /// <summary>True once <paramref name="process"/> answers an OPTIONS on <paramref name="port"/>; false after 30 s or when it exits.</summary>
    public static async Task<bool> AnswersAsync(int port, System.Diagnostics.Process process)
    {
        ArgumentNullException.ThrowIfNull(process);
        using var peer = new UdpPeer();
        var endpoint = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port);
        var deadline = Environment.TickCount64 + 30_000;
        while (Environment.TickCount64 < deadline && !process.HasExited)
        {
            peer.Send(endpoint, SipText.Request("OPTIONS", $"sip:127.0.0.1:{port}", peer.LocalEndPoint));
            if (peer.Receive(TimeSpan.FromMilliseconds(100)) is not null)
            {
                return true;
            }

            await Task.Yield();
        }

        return false;
    }

    /// <summary>SIGKILL: no stop, no flush, no 503s.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private static void Append(StringBuilder text, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (text)
        {
            text.AppendLine(line);
        }
    }

    private static string Read(StringBuilder text)
    {
        lock (text)
        {
            return text.ToString();
        }
    }
}
