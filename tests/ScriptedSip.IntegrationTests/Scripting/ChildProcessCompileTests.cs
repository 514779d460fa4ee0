using System.Net;
using ScriptedSip.IntegrationTests.Faults;
using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Scripting;

/// <summary>
/// The server run as its own program compiles its scripts in a child process: Roslyn is never
/// mapped into the server, at start or at a reload, and a compile error still stops the start with
/// the compiler's message.
/// </summary>
[NonParallelizable]
public sealed class ChildProcessCompileTests
{
    private const string Sections = """
        "Scripts": { "CachePath": "", "ReloadDebounceMs": 50 },
        """;

    [Test]
    public async Task TheServer_CompilesAtStartAndAtAReload_WithoutEverMappingRoslyn()
    {
        Assume.That(OperatingSystem.IsLinux(), "reads /proc/PID/maps");
        var port = UdpPeer.FreePort();
        using var deployment = new TestDeployment(ProcessSettings.For(port, Sections))
            .WithScript("request_route.csx", "SlSendReply(200, \"first\");");
        using var server = HostProcess.Start(deployment);
        await server.WaitUntilAnsweringAsync(port);
        Assert.That(Answer(port), Does.StartWith("SIP/2.0 200 first"));

        // The file is rewritten in place: the watcher may see it half-written first and load a
        // version that answers nothing, so the test asks until the new answer comes.
        deployment.WithScript("request_route.csx", "SlSendReply(200, \"second\");");

        Assert.That(await AnswerOnceItIsAsync(port, "SIP/2.0 200 second"), Does.StartWith("SIP/2.0 200 second"));
        await server.WaitForOutputAsync("(1 compiled, 0 from cache)"); // the console target may write after the first answer
        Assert.That(MappedFiles(server.Id), Has.None.Contains("Microsoft.CodeAnalysis"), "the compiler was loaded into the server");
    }

    [Test]
    public async Task CompilingInTheServer_WhenTurnedOff_MapsRoslyn()
    {
        Assume.That(OperatingSystem.IsLinux(), "reads /proc/PID/maps");
        var port = UdpPeer.FreePort();
        using var deployment = new TestDeployment(ProcessSettings.For(port, Sections))
            .WithScript("request_route.csx", "SlSendReply(200, \"here\");");
        using var server = HostProcess.Start(deployment, "--Scripts:CompileInChildProcess=false");
        await server.WaitUntilAnsweringAsync(port);

        Assert.That(MappedFiles(server.Id), Has.Some.Contains("Microsoft.CodeAnalysis.CSharp.dll"));
    }

    [Test]
    public void AScriptThatDoesNotCompile_StopsTheStart_WithTheCompilersErrorFromTheChild()
    {
        var port = UdpPeer.FreePort();
        using var deployment = new TestDeployment(ProcessSettings.For(port, Sections))
            .WithScript("request_route.csx", "SlSendReply(200, \"OK\")\nNoSuchFunction();");
        using var server = HostProcess.Start(deployment);

        Assert.That(server.WaitForExitCode(), Is.EqualTo(2));
        Assert.That(server.Stderr, Does.Contain("request_route.csx(1,").And.Contain("error CS1002"));
        Assert.That(server.Stderr, Does.Contain("request_route.csx(2,1): error CS0103"));
    }

    [Test]
    public void ACompilerProgramThatCannotStart_IsALoadErrorNamingIt_AndLeavesNoFolder()
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", "SlSendReply(200, \"OK\");");
        var missing = Path.Combine(deployment.Root, "no-such-program");
        var compiler = new ScriptedSip.Host.Compiling.ChildProcessCompiler(missing, [], Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var loader = new ScriptedSip.Scripting.RouteSetLoader(new ScriptedSip.Scripting.CompiledScriptCache(null), elsewhere: compiler);
        var before = Directory.GetDirectories(Path.GetTempPath(), $"scriptedsip-compile-{Environment.ProcessId}-*").Length;

        var result = loader.Load(deployment.ScriptsPath, 1, ScriptedSip.Scripting.ScriptEnvironment.WithoutPlugins(ScriptedSip.Scripting.ScriptReferenceSet.CreateDefault()));

        Assert.That(result.Routes, Is.Null);
        Assert.That(result.Errors, Has.One.Contains($"the script compiler process cannot be used ({missing})"));
        Assert.That(Directory.GetDirectories(Path.GetTempPath(), $"scriptedsip-compile-{Environment.ProcessId}-*"), Has.Length.EqualTo(before));
    }

    private static string Answer(int port)
    {
        using var peer = new UdpPeer();
        peer.Send(new IPEndPoint(IPAddress.Loopback, port), SipText.Request("OPTIONS", $"sip:127.0.0.1:{port}", peer.LocalEndPoint));
        return peer.ReceiveText(TimeSpan.FromSeconds(5));
    }

    /// <summary>Sends OPTIONS until the answer starts with <paramref name="expected"/> (at most 30 s); the last answer seen.</summary>
    private static async Task<string> AnswerOnceItIsAsync(int port, string expected)
    {
        using var peer = new UdpPeer();
        var last = string.Empty;
        var deadline = Environment.TickCount64 + 30_000;
        while (Environment.TickCount64 < deadline)
        {
            peer.Send(new IPEndPoint(IPAddress.Loopback, port), SipText.Request("OPTIONS", $"sip:127.0.0.1:{port}", peer.LocalEndPoint));
            if (peer.Receive(TimeSpan.FromMilliseconds(100)) is { } answer)
            {
                last = answer.Text;
                if (last.StartsWith(expected, StringComparison.Ordinal))
                {
                    return last;
                }
            }

            await Task.Yield();
        }

        return last;
    }

    private static string[] MappedFiles(int pid) => File.ReadAllLines($"/proc/{pid}/maps");
}
