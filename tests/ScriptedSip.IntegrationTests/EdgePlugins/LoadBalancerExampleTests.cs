using System.Globalization;
using System.Text.Json.Nodes;
using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.IntegrationTests.Transport;

namespace ScriptedSip.IntegrationTests.EdgePlugins;

/// <summary>
/// examples/load-balancer with three sipp callees in front of a sipp caller: the hash spreads calls
/// evenly; a callee killed mid-run loses only the calls it held in a dialog, the others fail over
/// through the failure route; once it is marked inactive no call fails; restarted, it is probed
/// back and gets calls again. Only the destination ports and the listen port differ from the example.
/// </summary>
[NonParallelizable]
public sealed class LoadBalancerExampleTests
{
    /// <summary>Counts the 200 OK each callee sent for an INVITE, by its port (added beside the example's routes; it changes nothing).</summary>
    private const string CountingReplyRoute = "if (Rs == 200 && Rm == \"INVITE\") Shv.AddOrUpdate(\"uas:\" + Sp, 1, (_, v) => (int)v! + 1);";

    [Test]
    public async Task ThreeCallees_HashEven_KillOne_FailoverThenZeroFailures_RestartIt_ItGetsCallsAgain()
    {
        Sipp.RequireInstalled();
        var ports = new[] { UdpPeer.FreePort(), UdpPeer.FreePort(), UdpPeer.FreePort() };
        var callees = ports.Select(StartCallee).ToArray();
        try
        {
            foreach (var port in ports)
            {
                await Sipp.WaitUntilListeningAsync(port);
            }

            using var deployment = ExampleDeployment.Create("load-balancer").WithScript("reply_route.csx", CountingReplyRoute);
            for (var i = 0; i < 3; i++)
            {
                deployment.WithSettings(JsonValue.Create($"sip:127.0.0.1:{ports[i]}"), "Plugins", "Dispatcher", "Sets", "1", i.ToString(CultureInfo.InvariantCulture), "Uri");
            }

            await using var host = await RunningHost.StartAsync(deployment);
            int Calls(int i) => host.Shv.TryGetValue("uas:" + ports[i], out var n) ? (int)n! : 0;

            // 1. 600 calls at 200 cps: all answered, the Call-ID hash within ±20 % of even.
            var first = await RunCaller(host, 600);
            Assert.That((first.Successful, first.Failed), Is.EqualTo((600, 0)), first.Output);
            var counts = Enumerable.Range(0, 3).Select(Calls).ToArray();
            Assert.That(counts, Has.All.InRange(160, 240), string.Join(", ", counts));

            // 2. 600 more; the second callee is killed once a third of them were answered.
            var before = counts.Sum();
            var running = RunCaller(host, 600);
            await UdpCoreTests.Eventually(() => Enumerable.Range(0, 3).Sum(Calls) >= before + 200, 20_000);
            callees[1].Dispose();
            var killedAt = Environment.TickCount64;
            var second = await running;
            var downUri = $"sip:127.0.0.1:{ports[1]}";
            await UdpCoreTests.Eventually(() => RunningHost.Logs().Any(l => l.Contains($"Dispatcher destination {downUri} of set 1: Active -> Inactive", StringComparison.Ordinal)), 20_000);
            Assert.That(second.Successful, Is.GreaterThanOrEqualTo(590), "only calls in a dialog with the killed callee are lost; new ones to it fail over: " + second.Output);
            Assert.That(second.Successful + second.Failed, Is.EqualTo(600));
            Assert.That(Calls(0) + Calls(2) - counts[0] - counts[2], Is.GreaterThan(400), "the survivors took the killed callee's share");
            TestContext.Out.WriteLine($"kill to inactive: marked within {Environment.TickCount64 - killedAt} ms of the kill; lost {second.Failed} of 600");

            // 3. Marked inactive: no call fails and none goes to it.
            var atDown = Calls(1);
            var third = await RunCaller(host, 600);
            Assert.That((third.Successful, third.Failed), Is.EqualTo((600, 0)), third.Output);
            Assert.That(Calls(1), Is.EqualTo(atDown));

            // 4. Restarted on the same port: probing turns it active and it gets calls again.
            callees[1] = StartCallee(ports[1]);
            await Sipp.WaitUntilListeningAsync(ports[1]);
            await UdpCoreTests.Eventually(() => RunningHost.Logs().Any(l => l.Contains($"Dispatcher destination {downUri} of set 1: Inactive -> Active", StringComparison.Ordinal)), 20_000);
            var fourth = await RunCaller(host, 300);
            Assert.That((fourth.Successful, fourth.Failed), Is.EqualTo((300, 0)), fourth.Output);
            Assert.That(Calls(1), Is.GreaterThan(atDown + 50), "the restarted callee gets its share again");
            Assert.That(RunningHost.Logs(), Has.Some.Contains($"destination {downUri} is down"), "dispatcher_dst_down.csx ran");
            Assert.That(RunningHost.Logs(), Has.Some.Contains($"destination {downUri} is up"), "dispatcher_dst_up.csx ran");
        }
        finally
        {
            foreach (var callee in callees)
            {
                callee.Dispose();
            }
        }
    }

    private static Sipp StartCallee(int port) => Sipp.Start("-sf", Sipp.Scenario("uas_rr.xml"), "-p", port.ToString(CultureInfo.InvariantCulture));

    private static async Task<SippResult> RunCaller(RunningHost host, int calls)
    {
        using var caller = Sipp.Start(
            "-sf", Sipp.Scenario("uac_rr.xml"), host.EndPoint.ToString(), "-s", "service",
            "-p", UdpPeer.FreePort().ToString(CultureInfo.InvariantCulture),
            "-m", calls.ToString(CultureInfo.InvariantCulture), "-r", "200", "-l", "400",
            "-timeout", "60s", "-recv_timeout", "10s");
        return await caller.WaitAsync(TimeSpan.FromSeconds(70));
    }
}
