using System.Diagnostics;
using ScriptedSip.Host;
using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Hosting;

/// <summary>The real executable as a user runs it: exit codes, --check, graceful stop.</summary>
public sealed class ProcessTests
{
    [Test]
    public async Task Check_ShippedScripts_Exit0()
    {
        using var deployment = new TestDeployment().WithShippedScripts();
        var (exit, output) = await RunAsync(deployment, "--check");
        Assert.That(exit, Is.Zero, output);
        Assert.That(output, Does.Contain("OK: scripts"));
    }

    [Test]
    public async Task Check_BrokenScript_Exit1WithDiagnostic()
    {
        using var deployment = new TestDeployment().WithShippedScripts().WithScript("RESUME.csx", "TRelay(;");
        var (exit, output) = await RunAsync(deployment, "--check");
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(output, Does.Match(@"RESUME\.csx\(1,8\): error CS\d{4}: "));
    }

    [Test]
    public async Task Check_LoadsPlugins_ReportsABrokenOne_Exit1()
    {
        using var deployment = new TestDeployment().WithShippedScripts().WithShippedPlugin("Htable").WithTestPlugin("NoPluginType", "NoPluginType");
        var (exit, output) = await RunAsync(deployment, "--check");
        Assert.That(exit, Is.EqualTo(1), output);
        Assert.That(output, Does.Contain("error: plugin NoPluginType: NoPluginType has no public class implementing IScriptedSipPlugin"));
        Assert.That(output, Does.Contain("plugins Auth, Htable, Permissions, Registrar loaded"), "the shipped scripts bring the plugins they call");
    }

    [Test]
    public async Task Start_BrokenScript_Exit2WithDiagnostic()
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", "UndefinedThing();");
        var (exit, output) = await RunAsync(deployment);
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(output, Does.Match(@"request_route\.csx\(1,1\): error CS0103: The name 'UndefinedThing' does not exist"));
    }

    [Test]
    public async Task Start_BadConfiguration_Exit2()
    {
        using var deployment = new TestDeployment().WithShippedScripts();
        var (exit, output) = await RunAsync(deployment, "--Sip:Workers=-3");
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(output, Does.Contain("error: Sip:Workers: -3 is out of range"));
    }

    [Test]
    public async Task Start_ListenPortAlreadyInUse_OneLineExit2_NoHostingFailureNoStackTrace()
    {
        // The shipped settings log to the console, where the generic host's start-up failure used to appear.
        using var deployment = new TestDeployment(ShippedSettings()).WithShippedScripts();
        using var occupant = new UdpPeer();
        var (exit, output) = await RunAsync(deployment, $"--Sip:Listen:0=udp:127.0.0.1:{occupant.Port}");
        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output.Trim(), Is.EqualTo($"error: Sip:Listen: cannot listen on udp:127.0.0.1:{occupant.Port}: Address already in use"));
        Assert.That(output, Does.Not.Contain("Hosting failed"));
        Assert.That(output, Does.Not.Contain("   at "));
    }

    [Test]
    public async Task Start_UnknownKey_OneLineExit2()
    {
        using var deployment = new TestDeployment(ShippedSettings()).WithShippedScripts();
        var (exit, output) = await RunAsync(deployment, "--Sip:Wrokers=4");
        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output.Trim(), Is.EqualTo("error: Sip:Wrokers: unknown key (did you mean Sip:Workers?)"));
    }

    [Test]
    public async Task Check_EachDiagnosticOnce_SummaryLast_NothingKeepsServing()
    {
        using var deployment = new TestDeployment(ShippedSettings())
            .WithShippedScripts()
            .WithScript("RESUME.csx", "TRelay(;")
            .WithShippedPlugin("Htable")
            .WithTestPlugin("NoPluginType", "NoPluginType");
        var (exit, stdout, stderr) = await RunSeparatelyAsync(deployment, "--check");
        var output = stdout + stderr;
        Assert.That(exit, Is.EqualTo(1), output);
        Assert.That(Occurrences(output, "RESUME.csx(1,8): error CS1026"), Is.EqualTo(1), output);
        Assert.That(Occurrences(output, "NoPluginType has no public class implementing IScriptedSipPlugin"), Is.EqualTo(1), output);
        Assert.That(output, Does.Not.Contain("keep serving").And.Not.Contain("keeps serving"));
        Assert.That(LastLine(stdout), Does.StartWith("FAILED: scripts in ").And.Contain("do not compile (1 error); 1 plugin failed"));
    }

    [Test]
    public async Task Check_Passes_OkLineLast()
    {
        using var deployment = new TestDeployment(ShippedSettings()).WithShippedScripts().WithShippedPlugin("Htable");
        var (exit, stdout, stderr) = await RunSeparatelyAsync(deployment, "--check");
        Assert.That(exit, Is.Zero, stdout + stderr);
        Assert.That(stdout, Does.Contain("Plugin Htable"), "the log lines are written, before the summary");
        Assert.That(LastLine(stdout), Does.StartWith("OK: scripts in ").And.EndWith("compile; plugins Auth, Htable, Permissions, Registrar loaded"));
        Assert.That(stderr, Is.Empty);
    }

    [Test]
    public async Task Sigterm_GracefulStop_Exit0()
    {
        using var deployment = new TestDeployment().WithShippedScripts();
        var port = FreeUdpPort();
        var endpoint = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port);
        using var process = Start(deployment, $"--Sip:Listen:0=udp:127.0.0.1:{port}");
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        using var peer = new UdpPeer();

        // The shipped request_route answers OPTIONS addressed to the server itself.
        string? reply = null;
        var deadline = Environment.TickCount64 + 30_000;
        while (reply is null && Environment.TickCount64 < deadline && !process.HasExited)
        {
            peer.Send(endpoint, SipText.Request("OPTIONS", $"sip:127.0.0.1:{port}", peer.LocalEndPoint));
            reply = peer.Receive(TimeSpan.FromMilliseconds(100))?.Text;
        }

        Assert.That(reply, Does.StartWith("SIP/2.0 200 OK"), "the server started and answered");
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await process.WaitForExitAsync(timeout.Token);
        Assert.That(process.ExitCode, Is.Zero);
    }

    private static int FreeUdpPort()
    {
        using var probe = new UdpPeer();
        return probe.Port;
    }

    private static Process Start(TestDeployment deployment, params string[] args)
    {
        var hostDll = typeof(ScriptedSipApplication).Assembly.Location;
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(hostDll);
        info.ArgumentList.Add("--contentRoot");
        info.ArgumentList.Add(deployment.Root);
        if (!args.Any(a => a.StartsWith("--Management:", StringComparison.OrdinalIgnoreCase)))
        {
            info.ArgumentList.Add("--Management:Urls="); // parallel tests: no fixed management port
        }

        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info)!;
    }

    internal static async Task<(int Exit, string Output)> RunAsync(TestDeployment deployment, params string[] args)
    {
        var (exit, stdout, stderr) = await RunSeparatelyAsync(deployment, args);
        return (exit, stdout + stderr);
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunSeparatelyAsync(TestDeployment deployment, params string[] args)
    {
        using var process = Start(deployment, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The repository's hostsettings.json: console logging as a user sees it.</summary>
    private static string ShippedSettings() =>
        File.ReadAllText(Path.Combine(TestDeployment.BuildOutput("RepoRoot"), ScriptedSipApplication.SettingsFile));

    private static int Occurrences(string text, string part)
    {
        var count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? string.Empty;
}
