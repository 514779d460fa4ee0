using System.Net;
using System.Net.Sockets;
using System.Text;
using ScriptedSip.IntegrationTests.Faults;
using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Hosting;

/// <summary>
/// hostsettings.json is watched on its own: the content root's folders are not (a recursive watch
/// put one inotify watch on every folder below it), a change still reaches the plugins, and a file
/// that does not parse leaves the running settings in force.
/// </summary>
[NonParallelizable]
public sealed class SettingsWatchTests
{
    private const int Folders = 200;

    [Test]
    public async Task ManyFoldersUnderTheContentRoot_AreNotWatched()
    {
        Assume.That(OperatingSystem.IsLinux(), "reads /proc/PID/fdinfo");
        var port = UdpPeer.FreePort();
        using var deployment = new TestDeployment(ProcessSettings.For(port)).WithScript("request_route.csx", "SlSendReply(200, \"OK\");");
        for (var i = 0; i < Folders; i++)
        {
            Directory.CreateDirectory(Path.Combine(deployment.Root, "unrelated", "folder" + i));
        }

        using var server = HostProcess.Start(deployment);
        await server.WaitUntilAnsweringAsync(port);

        // Before: two recursive watchers over the content root, over 400 watches here.
        Assert.That(InotifyWatches(server.Id), Is.LessThan(Folders / 4));
    }

    [Test]
    public async Task ASettingsFileThatDoesNotParse_IsAWarning_TheServerKeepsServing_AndAFixedFileIsTaken()
    {
        var port = UdpPeer.FreePort();
        using var deployment = new TestDeployment(ProcessSettings.For(port))
            .WithShippedPlugin("Permissions")
            .WithScript("request_route.csx", "SlSendReply(200, \"OK\");");
        deployment.WithSettings(new System.Text.Json.Nodes.JsonArray("127.0.0.1/32"), "Plugins", "Permissions", "Groups", "trusted");
        using var server = HostProcess.Start(deployment);
        await server.WaitUntilAnsweringAsync(port);
        var good = await File.ReadAllTextAsync(deployment.SettingsPath);

        await File.WriteAllTextAsync(deployment.SettingsPath, good[..(good.Length / 2)]);
        await server.WaitForOutputAsync("hostsettings.json changed but cannot be read");
        Assert.That(Options(port), Does.StartWith("SIP/2.0 200 OK"), "still serving");

        await File.WriteAllTextAsync(deployment.SettingsPath, good);
        deployment.WithSettings(new System.Text.Json.Nodes.JsonArray("127.0.0.1/32", "127.0.0.2/32"), "Plugins", "Permissions", "Groups", "trusted");
        await server.WaitForOutputAsync("Permissions reloaded: 1 group(s), 2 entries");
        Assert.That(server.HasExited, Is.False);
    }

    private static int InotifyWatches(int pid)
    {
        var count = 0;
        foreach (var fd in Directory.GetFiles($"/proc/{pid}/fd"))
        {
            var target = new FileInfo(fd).LinkTarget;
            if (target is not null && target.Contains("inotify", StringComparison.Ordinal))
            {
                count += File.ReadLines($"/proc/{pid}/fdinfo/{Path.GetFileName(fd)}").Count(l => l.StartsWith("inotify wd:", StringComparison.Ordinal));
            }
        }

        return count;
    }

    private static string Options(int port)
    {
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        client.Client.ReceiveTimeout = 5000;
        var local = (IPEndPoint)client.Client.LocalEndPoint!;
        var request = $"OPTIONS sip:127.0.0.1:{port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{local.Port};branch=z9hG4bK-sw-{Environment.TickCount64}\r\nFrom: <sip:t@127.0.0.1>;tag=1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: sw-{Environment.TickCount64}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
        var bytes = Encoding.ASCII.GetBytes(request);
        client.Send(bytes, bytes.Length, new IPEndPoint(IPAddress.Loopback, port));
        IPEndPoint? from = null;
        return Encoding.ASCII.GetString(client.Receive(ref from));
    }
}
