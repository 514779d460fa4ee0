using System.Globalization;
using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Faults;

/// <summary>
/// The log target's disk is full: the host's file target writes to /dev/full, where every write
/// fails with ENOSPC. Logging errors cost the lines, never SIP: OPTIONS are answered and calls
/// complete, and NLog's own error line about the target is on stderr (its internal logger, which the
/// host points at stderr for errors unless the NLog section configures it).
/// </summary>
[NonParallelizable]
public sealed class LogTargetFailureTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    /// <summary>The end of a long output, enough to see what the host did last.</summary>
    private static string Tail(string text) => text.Length > 3000 ? text[^3000..] : text;

    [TestCase(true, Description = "as shipped: the targets behind NLog's async wrapper")]
    [TestCase(false, Description = "written on the SIP threads themselves")]
    public async Task FileTargetOnAFullDisk_SipGoesOn_TheFailureIsOnStderr(bool async)
    {
        Sipp.RequireInstalled();
        if (!File.Exists("/dev/full"))
        {
            Assert.Ignore("/dev/full is missing: the test needs a device whose writes fail with ENOSPC (Linux)");
        }

        var port = UdpPeer.FreePort();
        var settings = ProcessSettings.For(
            port,
            "\"Transactions\": { \"FrTimerMs\": 10000, \"FrInvTimerMs\": 10000, \"WaitMs\": 300 },",
            (async ? "\"async\": true," : string.Empty) + "\"file\": { \"type\": \"File\", \"fileName\": \"/dev/full\", \"layout\": \"${longdate} ${message}\" },",
            ",file");
        using var deployment = new TestDeployment(settings).WithScript("request_route.csx", """
            Xlog($"request {Rm}"); // every request writes a line, so every request meets the full disk
            if (IsMethod("OPTIONS")) { SlSendReply(200, "OK"); return; }
            TRelay();
            """);
        using var host = HostProcess.Start(deployment);
        await host.WaitUntilAnsweringAsync(port);

        using var peer = new UdpPeer();
        var endpoint = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port);
        for (var i = 0; i < 200; i++)
        {
            peer.Send(endpoint, SipText.Request("OPTIONS", $"sip:127.0.0.1:{port}", peer.LocalEndPoint));
            var reply = peer.Receive(Wait)
                ?? throw new AssertionException($"OPTIONS {i} not answered (exited: {host.HasExited}){Environment.NewLine}{Tail(host.Stdout)}{Environment.NewLine}{Tail(host.Stderr)}");
            Assert.That(SipText.StatusCode(reply.Text), Is.EqualTo(200));
        }

        var uasPort = UdpPeer.FreePort();
        using var uas = Sipp.Start("-sn", "uas", "-p", uasPort.ToString(CultureInfo.InvariantCulture), "-m", "50");
        await Sipp.WaitUntilListeningAsync(uasPort);
        using var uac = Sipp.Start("-sf", Sipp.Scenario("uac_plain.xml"), $"127.0.0.1:{uasPort}", "-rsa", $"127.0.0.1:{port}", "-p", UdpPeer.FreePort().ToString(CultureInfo.InvariantCulture), "-m", "50", "-r", "50", "-timeout", "30s");
        var result = await uac.WaitAsync(TimeSpan.FromSeconds(45));

        Assert.That(result.Successful, Is.EqualTo(50), result.Output);
        Assert.That(host.HasExited, Is.False);
        await host.WaitForOutputAsync("request INVITE"); // the console target still writes
        Assert.That(host.Stderr, Does.Contain("FileTarget(Name=file").And.Contain("'/dev/full'").And.Contain("No space left on device"));
    }
}
