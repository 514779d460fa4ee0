using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Plugins;

/// <summary>
/// Drives the garbage collector until a replaced version is released. A replaced script version
/// is gone when the collector finds its code unreachable; the host checks for that on its own
/// clock, a test asks for the check after each collection instead of waiting for the host's.
/// </summary>
internal static class PluginCollection
{
    public static async Task UntilAsync(RunningHost host, Func<bool> condition, int timeoutMs = 10_000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (true)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers(); // a collectible context finishes unloading on the finalizer thread
            host.Scripts.ReleaseCollected();
            if (condition())
            {
                return;
            }

            if (Environment.TickCount64 > deadline)
            {
                Assert.Fail("not released in time; still alive: " + host.Scripts.RetiredVersions + " replaced script version(s)");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>The log line of a plugin version's release: services stopped, context unloaded.</summary>
    public static bool Released(string name, string version) =>
        RunningHost.Logs().Any(l => l.Contains($"Plugin {name} {version} released", StringComparison.Ordinal));

    public static int IndexOf(string text) =>
        RunningHost.Logs().ToList().FindIndex(l => l.Contains(text, StringComparison.Ordinal));
}
