using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using ScriptedSip.Host;
using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Registrar;

/// <summary>
/// The registrar's promise: a binding acknowledged with 200 survives a crash. The real host process
/// is killed with SIGKILL while sipp registers users at 1,000 per second; after a restart every user
/// whose 200 sipp received is still registered.
/// </summary>
[NonParallelizable]
public sealed partial class CrashDurabilityTests
{
    [Test]
    public async Task Sigkill_DuringRegistrations_EveryAcknowledgedBindingSurvivesTheRestart()
    {
        Sipp.RequireInstalled();
        using var deployment = new TestDeployment().WithShippedScripts();
        var port = UdpPeer.FreePort();
        using var process = StartProcess(deployment, $"--Sip:Listen:0=udp:127.0.0.1:{port}");
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        await WaitUntilAnsweringAsync(port, process);

        var trace = Path.Combine(deployment.Root, "sipp-messages.log");
        using (var sipp = Sipp.Start("-sf", Sipp.Scenario("register_plain.xml"), "-r", "1000", "-m", "5000", "-trace_msg", "-message_file", trace,
                   "-p", UdpPeer.FreePort().ToString(CultureInfo.InvariantCulture), $"127.0.0.1:{port}"))
        {
            // Kill once a few hundred registrations were acknowledged, while more are in flight.
            var deadline = Environment.TickCount64 + 20_000;
            while (AcknowledgedUsers(trace).Count < 300 && Environment.TickCount64 < deadline)
            {
                await Task.Delay(20);
            }

            process.Kill(); // SIGKILL: no stop, no snapshot, no flush
            await process.WaitForExitAsync();
        }

        var acknowledged = AcknowledgedUsers(trace);
        Assert.That(acknowledged, Has.Count.GreaterThanOrEqualTo(300), "sipp saw enough 200s before the kill");

        await using var restarted = await RunningHost.StartAsync(deployment);
        var missing = acknowledged.Where(user =>
        {
            using var client = new DigestClient(restarted.EndPoint, user, string.Empty);
            return SipText.Header(client.Register(string.Empty), "Contact") is null;
        }).ToList();

        Assert.That(missing, Is.Empty, $"{missing.Count} of {acknowledged.Count} acknowledged bindings were lost");
    }

    /// <summary>Users whose REGISTER got a 200, from sipp's message trace (received messages only).</summary>
    private static HashSet<string> AcknowledgedUsers(string trace)
    {
        if (!File.Exists(trace))
        {
            return [];
        }

        string text;
        using (var stream = new FileStream(trace, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        using (var reader = new StreamReader(stream))
        {
            text = reader.ReadToEnd();
        }

        return [.. OkToUser().Matches(text).Select(m => m.Groups[1].Value)];
    }

    [GeneratedRegex(@"message received[^\n]*\n\s*SIP/2\.0 200 OK\r?\n(?:[^\r\n]+\r?\n)*?To: <sip:(u\d+)@")]
    private static partial Regex OkToUser();

    private static async Task WaitUntilAnsweringAsync(int port, Process process)
    {
        if (!await HostProcess.AnswersAsync(port, process))
        {
            Assert.Fail("the host process did not start answering");
        }
    }

    private static Process StartProcess(TestDeployment deployment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(typeof(ScriptedSipApplication).Assembly.Location);
        info.ArgumentList.Add("--contentRoot");
        info.ArgumentList.Add(deployment.Root);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info)!;
    }
}
