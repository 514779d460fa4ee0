using System.Runtime.CompilerServices;
using ScriptedSip.Core.Routing;
using ScriptedSip.Core.Stats;
using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.Scripting;

namespace ScriptedSip.IntegrationTests.Scripting;

/// <summary>Live reload: atomic swaps under traffic, broken edits, unloading of old versions.</summary>
public sealed class ReloadTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Test]
    public async Task EditUnderTraffic_EveryMessageGetsOldOrNewBehaviour_NeverAnError()
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", "SlSendReply(201, \"Old\");");
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();

        var codes = new List<int>();
        var edited = false;
        var swapDeadline = Environment.TickCount64 + 10_000;
        while (Environment.TickCount64 < swapDeadline)
        {
            peer.Send(host.EndPoint, SipText.Request("MESSAGE", "sip:x@127.0.0.1", peer.LocalEndPoint));
            var code = SipText.StatusCode(peer.ReceiveText(Wait));
            codes.Add(code);
            if (!edited && codes.Count == 20)
            {
                File.WriteAllText(Path.Combine(deployment.ScriptsPath, "request_route.csx"), "SlSendReply(202, \"New\");");
                edited = true;
            }

            if (code == 202 && codes.Count(c => c == 202) >= 20)
            {
                break;
            }

            await Task.Delay(5);
        }

        Assert.That(codes, Is.All.AnyOf(201, 202));
        Assert.That(codes.SkipWhile(c => c == 201), Is.All.EqualTo(202), "once swapped, the new version serves every message");
        Assert.That(codes.Count(c => c == 202), Is.GreaterThanOrEqualTo(20), "the edit was picked up");
        Assert.That(host.Counters[SipCounter.ScriptErrors], Is.Zero);
    }

    [Test]
    public async Task BrokenEdit_Reported_PreviousVersionKeepsServing_FixedEditSwapsIn()
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", "SlSendReply(201, \"Good\");");
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();
        var path = Path.Combine(deployment.ScriptsPath, "request_route.csx");

        File.WriteAllText(path, "SlSendReply(202, \"Broken\");\nNoSuchFunction();");
        await RouteScriptTests.Eventually(() => RunningHost.Logs().Any(l => l.Contains("request_route.csx(2,1): error CS0103", StringComparison.Ordinal)), 5000);
        peer.Send(host.EndPoint, SipText.Request("MESSAGE", "sip:x@127.0.0.1", peer.LocalEndPoint));
        Assert.That(SipText.StatusCode(peer.ReceiveText(Wait)), Is.EqualTo(201));
        Assert.That(host.Scripts.Current.Version, Is.EqualTo(1));

        File.WriteAllText(path, "SlSendReply(203, \"Fixed\");");
        await RouteScriptTests.Eventually(() => host.Scripts.Current.Version == 2, 5000);
        peer.Send(host.EndPoint, SipText.Request("MESSAGE", "sip:x@127.0.0.1", peer.LocalEndPoint));
        Assert.That(SipText.StatusCode(peer.ReceiveText(Wait)), Is.EqualTo(203));
    }

    [Test]
    public async Task NewScriptFile_BecomesANamedRoute_DeletedFileDisappears()
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", "SlSendReply(200, \"OK\");");
        await using var host = await RunningHost.StartAsync(deployment);

        deployment.WithScript("EXTRA.csx", "return 1;");
        await RouteScriptTests.Eventually(() => host.Scripts.Current.Find("EXTRA") is not null, 5000);
        File.Delete(Path.Combine(deployment.ScriptsPath, "EXTRA.csx"));
        await RouteScriptTests.Eventually(() => host.Scripts.Current.Find("EXTRA") is null, 5000);
    }

    [Test]
    public void ReplacedVersion_IsCollected()
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", "return 1;");
        var runtime = NewRuntime(deployment);
        Assert.That(LoadSucceeds(runtime), Is.True);

        var weak = TakeWeakReferenceToCurrent(runtime);
        File.WriteAllText(Path.Combine(deployment.ScriptsPath, "request_route.csx"), "return 2;");
        Assert.That(LoadSucceeds(runtime), Is.True);

        for (var i = 0; i < 20 && weak.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.That(weak.IsAlive, Is.False, "the old version's load context was unloaded and collected");
    }

    [Test]
    public void ThousandReloads_ManagedHeapStaysFlat()
    {
        const int reloads = 1000;
        using var deployment = new TestDeployment().WithScript("request_route.csx", "return 0;");
        var runtime = NewRuntime(deployment);
        var path = Path.Combine(deployment.ScriptsPath, "request_route.csx");
        long? baseline = null;
        long rssAfter20 = 0;
        for (var i = 1; i <= reloads; i++)
        {
            File.WriteAllText(path, $"return {i};");
            Assert.That(LoadSucceeds(runtime), Is.True);
            if (i == 20)
            {
                baseline = ManagedHeapAfterFullGc();
                rssAfter20 = Environment.WorkingSet;
            }
        }

        var final = ManagedHeapAfterFullGc();
        TestContext.Out.WriteLine($"managed heap after {reloads} reloads: {final / 1024 / 1024} MB (after 20: {baseline!.Value / 1024 / 1024} MB), RSS {Environment.WorkingSet / 1024 / 1024} MB (after 20: {rssAfter20 / 1024 / 1024} MB)");
        Assert.That(final - baseline.Value, Is.LessThan(16L * 1024 * 1024), "managed heap grows with reloads");
    }

    private static long ManagedHeapAfterFullGc()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }

    // Not inlined: no temporary of the caller may keep a loaded version alive.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool LoadSucceeds(ScriptRuntime runtime) => runtime.Load().Success;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference TakeWeakReferenceToCurrent(ScriptRuntime runtime)
    {
        IRouteSet current = runtime.Current;
        var contextField = current.GetType().GetProperty("Context")!.GetValue(current)!;
        return new WeakReference(contextField);
    }

    private static ScriptRuntime NewRuntime(TestDeployment deployment)
    {
        var references = ScriptReferenceSet.CreateDefault();
        var loader = new RouteSetLoader(new CompiledScriptCache(null));
        return new ScriptRuntime(loader, references, deployment.ScriptsPath, Microsoft.Extensions.Logging.Abstractions.NullLogger<ScriptRuntime>.Instance);
    }
}
