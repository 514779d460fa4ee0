using System.Diagnostics;

namespace ScriptedSip.IntegrationTests.Infrastructure;

/// <summary>Runs an installed command-line tool (promtool, systemd-analyze); a missing one ignores the test with its install hint.</summary>
public static class ExternalTool
{
    public static string Require(string name, string installHint)
    {
        var path = Sipp.FindOnPath(name);
        if (path is null)
        {
            Assert.Ignore($"{name} is not installed: {installHint} (CI installs it)");
        }

        return path!;
    }

    /// <summary>Runs the tool to its end (60 s at most); exit code and everything it printed.</summary>
    public static async Task<(int Exit, string Output)> RunAsync(string path, string? stdin, params string[] args)
    {
        var info = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin).ConfigureAwait(false);
            process.StandardInput.Close();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false));
    }
}
