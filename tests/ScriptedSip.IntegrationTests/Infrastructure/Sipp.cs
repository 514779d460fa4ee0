using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace ScriptedSip.IntegrationTests.Infrastructure;

/// <summary>
/// Runs sipp (Debian package sip-tester) as the outside SIP client or server, on loopback only.
/// Tests that need it are ignored with the install hint when it is missing.
/// </summary>
public sealed partial class Sipp : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;

    private Sipp(Process process)
    {
        _process = process;
        _stdout = process.StandardOutput.ReadToEndAsync();
        _stderr = process.StandardError.ReadToEndAsync();
    }

    public static string? Path => FindOnPath("sipp");

    public static void RequireInstalled()
    {
        if (Path is null)
        {
            Assert.Ignore("sipp is not installed: apt-get install -y sip-tester (CI installs it)");
        }
    }

    /// <summary>Starts sipp with the given arguments (always on 127.0.0.1, no keyboard, bounded by the caller's timeout).</summary>
    public static Sipp Start(params string[] args)
    {
        RequireInstalled();
        var info = new ProcessStartInfo(Path!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            WorkingDirectory = System.IO.Path.GetTempPath(),
        };
        info.ArgumentList.Add("-i");
        info.ArgumentList.Add("127.0.0.1");
        info.ArgumentList.Add("-nostdin");
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return new Sipp(Process.Start(info)!);
    }

    /// <summary>
    /// Waits until a UDP socket is bound to <paramref name="port"/> (read from the kernel's socket
    /// table): from then on datagrams for it queue in the kernel even if sipp has not started reading,
    /// so a caller may start sending. A readiness signal instead of a fixed sleep.
    /// </summary>
    public static async Task WaitUntilListeningAsync(int port, int timeoutMs = 10_000)
    {
        var token = ":" + port.ToString("X4", System.Globalization.CultureInfo.InvariantCulture) + " ";
        var deadline = Environment.TickCount64 + timeoutMs;
        while (!IsBound(token))
        {
            if (Environment.TickCount64 > deadline)
            {
                Assert.Fail($"nothing listens on UDP port {port} after {timeoutMs} ms (did sipp start?)");
            }

            await Task.Delay(10);
        }

        static bool IsBound(string token) =>
            new[] { "/proc/net/udp", "/proc/net/udp6" }.Where(File.Exists)
                .SelectMany(File.ReadLines)
                .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Any(fields => fields.Length > 1 && (fields[1] + " ").EndsWith(token, StringComparison.Ordinal));
    }

    public static string Scenario(string file) =>
        System.IO.Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", "sipp", file);

    /// <summary>Waits for sipp to end; returns its exit code (0: every call succeeded) and its final statistics screen.</summary>
    public async Task<SippResult> WaitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        var output = await _stdout + await _stderr;
        return new SippResult(_process.ExitCode, Count(output, "Successful call"), Count(output, "Failed call"), output);
    }

    /// <summary>SIGKILL, now: the process ends without sending anything more (a callee that crashes).</summary>
    public void Kill()
    {
        _process.Kill(); // SIGKILL on Unix
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    /// <summary>The cumulative column of a line of sipp's final screen, e.g. "Successful call | 0 | 1000".</summary>
    private static int Count(string output, string label)
    {
        var matches = CounterLine().Matches(output);
        var value = -1;
        foreach (Match m in matches)
        {
            if (m.Groups[1].Value.Trim() == label)
            {
                value = int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
            }
        }

        return value;
    }

    [GeneratedRegex(@"^\s*([A-Za-z ]+?)\s*\|\s*(\d+)\s*\|\s*(\d+)", RegexOptions.Multiline)]
    private static partial Regex CounterLine();

    internal static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = System.IO.Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}

public sealed record SippResult(int ExitCode, int Successful, int Failed, string Output);
