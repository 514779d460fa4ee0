using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ScriptedSip.Host;
using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Deploy;

/// <summary>systemd's side played by the test: a notify socket of its own, and systemd-analyze on the shipped unit.</summary>
public sealed class SystemdTests
{
    [Test]
    public async Task NotifySocket_ReadyOnceServing_StoppingOnSigterm_Exit0()
    {
        var socketPath = Path.Combine(Path.GetTempPath(), "scriptedsip-notify-" + Guid.NewGuid().ToString("N")[..8] + ".sock");
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(socketPath));
        using var deployment = new TestDeployment().WithShippedScripts();
        var port = UdpPeer.FreePort();
        using var process = StartHost(deployment, socketPath, $"--Sip:Listen:0=udp:127.0.0.1:{port}");
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        try
        {
            var first = Receive(notify, TimeSpan.FromSeconds(60));
            Assert.That(first, Does.Contain("READY=1"));

            // READY means serving: the very first OPTIONS is answered, no retry.
            using var peer = new UdpPeer();
            var endpoint = new IPEndPoint(IPAddress.Loopback, port);
            peer.Send(endpoint, SipText.Request("OPTIONS", $"sip:127.0.0.1:{port}", peer.LocalEndPoint));
            Assert.That(SipText.StatusCode(peer.ReceiveText(TimeSpan.FromSeconds(5))), Is.EqualTo(200));

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            Assert.That(Receive(notify, TimeSpan.FromSeconds(20)), Does.Contain("STOPPING=1"));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await process.WaitForExitAsync(timeout.Token);
            Assert.That(process.ExitCode, Is.Zero);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            File.Delete(socketPath);
        }
    }

    [Test]
    public async Task ShippedUnit_IsAcceptedBySystemdAnalyzeVerify_AndSandboxed()
    {
        var analyze = ExternalTool.Require("systemd-analyze", "apt-get install -y systemd");
        var unit = File.ReadAllText(Path.Combine(TestDeployment.BuildOutput("RepoRoot"), "deploy", "systemd", "scriptedsip.service"));
        Assert.That(unit, Does.Contain("\nType=notify\n").And.Contain("\nNoNewPrivileges=yes\n").And.Contain("\nProtectSystem=strict\n")
            .And.Contain("\nReadWritePaths=/opt/scriptedsip/logs /opt/scriptedsip/.cache /opt/scriptedsip/data\n").And.Contain("\nUser=scriptedsip\n"));

        // verify checks that ExecStart's program exists and is executable: here no published server is
        // installed in /opt, so the copy under test points at an executable file the test creates.
        var folder = Directory.CreateTempSubdirectory("scriptedsip-unit-");
        try
        {
            var program = Path.Combine(folder.FullName, "ScriptedSip.Host");
            File.WriteAllText(program, "#!/bin/sh\nexit 0\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            var copy = Path.Combine(folder.FullName, "scriptedsip.service");
            File.WriteAllText(copy, unit.Replace("ExecStart=/opt/scriptedsip/ScriptedSip.Host ", $"ExecStart={program} ", StringComparison.Ordinal));

            var (exit, output) = await ExternalTool.RunAsync(analyze, null, "verify", copy);
            Assert.That(exit, Is.Zero, output);
            Assert.That(output, Is.Empty, "no warning either");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static string Receive(Socket socket, TimeSpan timeout)
    {
        var buffer = new byte[4096];
        socket.ReceiveTimeout = (int)timeout.TotalMilliseconds;
        try
        {
            var length = socket.Receive(buffer);
            return Encoding.UTF8.GetString(buffer, 0, length);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
        {
            throw new AssertionException($"no notification within {timeout.TotalSeconds} s");
        }
    }

    private static Process StartHost(TestDeployment deployment, string notifySocket, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["NOTIFY_SOCKET"] = notifySocket;
        info.ArgumentList.Add(typeof(ScriptedSipApplication).Assembly.Location);
        info.ArgumentList.Add("--contentRoot");
        info.ArgumentList.Add(deployment.Root);
        info.ArgumentList.Add("--Management:Urls=");
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info)!;
    }
}
