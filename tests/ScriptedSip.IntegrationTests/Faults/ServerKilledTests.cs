using System.Globalization;
using System.Text.RegularExpressions;
using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Faults;

/// <summary>
/// The server itself is killed with SIGKILL in the middle of sipp calls and started again on the same
/// configuration and compile cache: it serves at once, from the cache, without a warning about it.
/// That acknowledged registrations survive such a kill is Registrar/CrashDurabilityTests.
/// </summary>
[NonParallelizable]
public sealed partial class ServerKilledTests
{
    private const string Sections = """
        "Scripts": { "CachePath": ".cache/scripts" },
        "Transactions": { "FrTimerMs": 10000, "FrInvTimerMs": 10000, "WaitMs": 300 },
        """;

    [Test]
    public async Task Sigkill_UnderCallLoad_RestartServesFromTheCompileCache_CallsComplete()
    {
        Sipp.RequireInstalled();
        var port = UdpPeer.FreePort();
        using var deployment = new TestDeployment(ProcessSettings.For(port, Sections)).WithShippedScripts();
        var proxy = $"127.0.0.1:{port}";

        using (var first = HostProcess.Start(deployment))
        {
            await first.WaitUntilAnsweringAsync(port);
            Assert.That((await LoadedAsync(first)).FromCache, Is.Zero, "the first start compiles");

            var uasPort = UdpPeer.FreePort();
            using var uas = Sipp.Start("-sn", "uas", "-p", uasPort.ToString(CultureInfo.InvariantCulture));
            await Sipp.WaitUntilListeningAsync(uasPort);
            var trace = Path.Combine(deployment.Root, "uac-messages.log");
            using var uac = Sipp.Start("-sf", Sipp.Scenario("uac_plain.xml"), $"127.0.0.1:{uasPort}", "-rsa", proxy, "-p", UdpPeer.FreePort().ToString(CultureInfo.InvariantCulture),
                "-r", "200", "-m", "100000", "-trace_msg", "-message_file", trace);

            // Kill once calls are flowing (the caller has seen a few hundred replies), with more in flight.
            var deadline = Environment.TickCount64 + 30_000;
            while (Count(trace, "SIP/2.0 200 OK") < 300 && Environment.TickCount64 < deadline)
            {
                await Task.Delay(20);
            }

            Assert.That(Count(trace, "SIP/2.0 200 OK"), Is.GreaterThanOrEqualTo(300), "calls were completing through the proxy before the kill");
            first.Kill();
        }

        using var second = HostProcess.Start(deployment);
        await second.WaitUntilAnsweringAsync(port);
        var loaded = await LoadedAsync(second);
        Assert.That(loaded.Compiled, Is.Zero, second.Stdout);
        Assert.That(loaded.FromCache, Is.GreaterThan(0), second.Stdout);
        Assert.That(Lines(second.Stdout).Where(l => (l.StartsWith("WARN", StringComparison.Ordinal) || l.StartsWith("ERROR", StringComparison.Ordinal)) && l.Contains("cache", StringComparison.OrdinalIgnoreCase)), Is.Empty);

        var calleePort = UdpPeer.FreePort();
        using var callee = Sipp.Start("-sn", "uas", "-p", calleePort.ToString(CultureInfo.InvariantCulture), "-m", "20");
        await Sipp.WaitUntilListeningAsync(calleePort);
        using var caller = Sipp.Start("-sf", Sipp.Scenario("uac_plain.xml"), $"127.0.0.1:{calleePort}", "-rsa", proxy, "-p", UdpPeer.FreePort().ToString(CultureInfo.InvariantCulture), "-m", "20", "-r", "20", "-timeout", "30s");
        var result = await caller.WaitAsync(TimeSpan.FromSeconds(45));
        Assert.That(result.Successful, Is.EqualTo(20), result.Output);
        Assert.That(second.HasExited, Is.False);
    }

    [Test]
    public async Task TornCacheEntry_IsCompiledAgainWithAWarning_TheHostStarts()
    {
        // SIGKILL cannot tear an entry (each file is renamed into place), a power loss can: the
        // renamed file may be empty or cut. Simulated here by cutting every cached assembly in half.
        var port = UdpPeer.FreePort();
        using var deployment = new TestDeployment(ProcessSettings.For(port, Sections)).WithShippedScripts();
        using (var first = HostProcess.Start(deployment))
        {
            await first.WaitUntilAnsweringAsync(port);
            first.Kill();
        }

        var cache = Path.Combine(deployment.Root, ".cache", "scripts");
        var entries = Directory.GetFiles(cache, "*.dll");
        Assert.That(entries, Is.Not.Empty);
        foreach (var dll in entries)
        {
            var bytes = File.ReadAllBytes(dll);
            File.WriteAllBytes(dll, bytes[..(bytes.Length / 2)]);
        }

        using var second = HostProcess.Start(deployment);
        await second.WaitUntilAnsweringAsync(port);
        var loaded = await LoadedAsync(second);
        Assert.That(loaded.FromCache, Is.Zero, second.Stdout);
        Assert.That(loaded.Compiled, Is.EqualTo(entries.Length), second.Stdout);
        Assert.That(Lines(second.Stdout), Has.Some.Matches("^WARN .*compile cache entry .* cannot be read .*: the route is compiled again"), second.Stdout);

        // The entries were written again: a third start reads them.
        second.Kill();
        using var third = HostProcess.Start(deployment);
        await third.WaitUntilAnsweringAsync(port);
        Assert.That((await LoadedAsync(third)).Compiled, Is.Zero, third.Stdout);
    }

    /// <summary>
    /// The counts of the "Scripts version … loaded" line, once the host has written it: the host may
    /// answer before the line reaches its stdout (the console target is written asynchronously).
    /// </summary>
    private static async Task<(int Compiled, int FromCache)> LoadedAsync(HostProcess host)
    {
        await host.WaitForOutputAsync(" from cache)");
        var stdout = host.Stdout;
        var match = LoadedLine().Match(stdout);
        Assert.That(match.Success, Is.True, "no 'Scripts version … loaded' line: " + stdout);
        return (int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    private static int Count(string path, string text)
    {
        if (!File.Exists(path))
        {
            return 0;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return Regex.Count(reader.ReadToEnd(), Regex.Escape(text));
    }

    [GeneratedRegex(@"Scripts version \d+ loaded in \d+ ms \((\d+) compiled, (\d+) from cache\)")]
    private static partial Regex LoadedLine();
}
