using ScriptedSip.Core.Stats;
using ScriptedSip.Host;
using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.IntegrationTests.Transport;

namespace ScriptedSip.IntegrationTests.Scripting;

/// <summary>Real route scripts compiled by Roslyn, run on real parsed messages over loopback UDP.</summary>
public sealed class RouteScriptTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Test]
    public async Task Globals_ReturnTheValuesOfTheParsedMessage()
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", """
            Shv["Rm"] = Rm; Shv["Ru"] = Ru; Shv["Ci"] = Ci; Shv["Fu"] = Fu; Shv["Tu"] = Tu;
            Shv["Si"] = Si; Shv["Sp"] = Sp; Shv["Rs"] = Rs; Shv["Rr"] = Rr;
            Shv["Hdr.i"] = Hdr("i"); Shv["Hdr.X-Two"] = string.Join("|", HdrAll("X-Two")); Shv["Hdr.None"] = Hdr("X-Missing");
            Shv["HasToTag"] = HasToTag(); Shv["IsMethod"] = IsMethod("BYE|MESSAGE"); Shv["IsNotMethod"] = IsMethod("INVITE");
            Shv["MbStart"] = Mb.Substring(0, 8); Shv["MbBytes"] = MbBytes.Length;
            Var["x"] = 1; Shv["Var"] = Var["x"];
            SlSendReply(200, "OK");
            """);
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();
        var request = SipText.Request("MESSAGE", "sip:bob@example.org", peer.LocalEndPoint, callId: "globals@test", extraHeaders: "X-Two: a\r\nX-Two: b", toTag: "t1");

        peer.Send(host.EndPoint, request);
        _ = peer.ReceiveText(Wait);

        var shv = host.Shv;
        Assert.Multiple(() =>
        {
            Assert.That(shv["Rm"], Is.EqualTo("MESSAGE"));
            Assert.That(shv["Ru"], Is.EqualTo("sip:bob@example.org"));
            Assert.That(shv["Ci"], Is.EqualTo("globals@test"));
            Assert.That(shv["Fu"], Is.EqualTo("sip:alice@example.com"));
            Assert.That(shv["Tu"], Is.EqualTo("sip:bob@example.org"));
            Assert.That(shv["Si"], Is.EqualTo("127.0.0.1"));
            Assert.That(shv["Sp"], Is.EqualTo(peer.Port));
            Assert.That(shv["Rs"], Is.EqualTo(0));
            Assert.That(shv["Rr"], Is.Null);
            Assert.That(shv["Hdr.i"], Is.EqualTo("globals@test"), "compact form i = Call-ID");
            Assert.That(shv["Hdr.X-Two"], Is.EqualTo("a|b"));
            Assert.That(shv["Hdr.None"], Is.Null);
            Assert.That(shv["HasToTag"], Is.True);
            Assert.That(shv["IsMethod"], Is.True);
            Assert.That(shv["IsNotMethod"], Is.False);
            Assert.That(shv["MbStart"], Is.EqualTo("MESSAGE "));
            Assert.That(shv["MbBytes"], Is.EqualTo(System.Text.Encoding.UTF8.GetByteCount(request)));
            Assert.That(shv["Var"], Is.EqualTo(1));
        });
    }

    [Test]
    public async Task RuntimeException_Answered500WithScriptLineLogged_NextMessageServed()
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", """
            if (Hdr("X-Boom") != null)
            {
                throw new InvalidOperationException("boom from the script");
            }
            SlSendReply(200, "OK");
            """);
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();

        peer.Send(host.EndPoint, SipText.Request("MESSAGE", "sip:x@127.0.0.1", peer.LocalEndPoint, extraHeaders: "X-Boom: 1"));
        var failed = peer.ReceiveText(Wait);
        peer.Send(host.EndPoint, SipText.Request("MESSAGE", "sip:x@127.0.0.1", peer.LocalEndPoint));
        var next = peer.ReceiveText(Wait);

        Assert.That(failed, Does.StartWith("SIP/2.0 500 Server Internal Error"));
        Assert.That(SipText.StatusCode(next), Is.EqualTo(200));
        Assert.That(host.Counters[SipCounter.ScriptErrors], Is.EqualTo(1));
        Assert.That(RunningHost.Logs(), Has.Some.Contains("request_route.csx(3,").And.Contains("boom from the script"));
    }

    [Test]
    public async Task ExitInsideNestedRoute_StopsTheCallingRouteToo()
    {
        using var deployment = new TestDeployment()
            .WithScript("request_route.csx", """
                Shv["before"] = true;
                var result = Route("CHECK");
                Shv["after"] = true;      // must not run: CHECK called Exit()
                SlSendReply(200, "OK");
                """)
            .WithScript("CHECK.csx", """
                SlSendReply(403, "Stopped In Check");
                Exit();
                """);
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();

        peer.Send(host.EndPoint, SipText.Request("MESSAGE", "sip:x@127.0.0.1", peer.LocalEndPoint));
        var reply = peer.ReceiveText(Wait);

        Assert.That(SipText.StatusCode(reply), Is.EqualTo(403));
        Assert.That(peer.Receive(TimeSpan.FromMilliseconds(300)), Is.Null, "no second reply");
        Assert.That(host.Shv.ContainsKey("before"), Is.True);
        Assert.That(host.Shv.ContainsKey("after"), Is.False);
        Assert.That(host.Counters[SipCounter.ScriptErrors], Is.Zero);
    }

    [Test]
    public async Task NamedRoute_ReturnValueReachesTheCaller_AndHelperFromSubfolderLoads()
    {
        using var deployment = new TestDeployment()
            .WithScript("request_route.csx", """
                #load "lib/codes.csx"
                var code = (int)Route("PICK")!;
                SlSendReply(code, ReasonFor(code));
                """)
            .WithScript("PICK.csx", "return 202;")
            .WithScript("lib/codes.csx", "string ReasonFor(int code) => code == 202 ? \"Picked\" : \"Other\";");
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();

        peer.Send(host.EndPoint, SipText.Request("MESSAGE", "sip:x@127.0.0.1", peer.LocalEndPoint));

        Assert.That(peer.ReceiveText(Wait), Does.StartWith("SIP/2.0 202 Picked"));
        Assert.That(host.Scripts.Current.Find("codes"), Is.Null, "files in sub-folders are helpers, not routes");
    }

    [Test]
    public async Task AwaitInRequestRoute_WorkerFreedAndScriptContinuesWithItsLocals()
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", """
            var code = Hdr("X-Slow") != null ? 201 : 200;
            if (code == 201)
            {
                // Waits until the test has seen the fast request answered (not a fixed time).
                while (!Shv.ContainsKey("release"))
                {
                    await Task.Delay(10);
                }
            }
            SlSendReply(code, "After Wait");
            """);
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();

        peer.Send(host.EndPoint, SipText.Request("MESSAGE", "sip:x@127.0.0.1", peer.LocalEndPoint, extraHeaders: "X-Slow: 1"));
        peer.Send(host.EndPoint, SipText.Request("MESSAGE", "sip:x@127.0.0.1", peer.LocalEndPoint));
        var first = peer.ReceiveText(Wait);
        host.Shv["release"] = true;
        var second = peer.ReceiveText(Wait);

        Assert.That(SipText.StatusCode(first), Is.EqualTo(200), "the fast request is not held up by the waiting one");
        Assert.That(SipText.StatusCode(second), Is.EqualTo(201), "the waiting script kept its local 'code'");
    }

    [Test]
    public async Task RouteOverBudget_WarningLogged()
    {
        using var deployment = new TestDeployment(TestDeployment.DefaultSettings().Replace("\"ReloadDebounceMs\": 100", "\"ReloadDebounceMs\": 100, \"RouteBudgetMs\": 100", StringComparison.Ordinal))
            .WithScript("request_route.csx", "System.Threading.Thread.Sleep(600); SlSendReply(200, \"Slow\");");
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();

        peer.Send(host.EndPoint, SipText.Request("MESSAGE", "sip:x@127.0.0.1", peer.LocalEndPoint, callId: "slow@test"));
        _ = peer.ReceiveText(Wait);

        Assert.That(RunningHost.Logs(), Has.Some.Contains("Route request_route has been running for").And.Contains("slow@test"));
    }

    [Test]
    public void CompileError_HostDoesNotStart_EveryErrorPrintedWithFileLineAndCode()
    {
        using var deployment = new TestDeployment()
            .WithScript("request_route.csx", "SlSendReply(200, \"OK\");\nUndefinedThing();\n")
            .WithScript("OTHER.csx", "int x = \"text\";");

        var (host, exitCode) = ScriptedSipApplication.Build(["--contentRoot", deployment.Root], TextWriter.Null);
        using (host)
        {
            var load = host!.Services.GetService(typeof(ScriptedSip.Scripting.ScriptRuntime)) as ScriptedSip.Scripting.ScriptRuntime;
            var result = load!.Load();

            Assert.That(exitCode, Is.Zero, "configuration is fine");
            Assert.That(result.Success, Is.False);
            Assert.That(result.Errors, Has.Some.Match(@"request_route\.csx\(2,1\): error CS0103: "));
            Assert.That(result.Errors, Has.Some.Match(@"OTHER\.csx\(1,9\): error CS0029: "));
        }
    }

    [Test]
    public void MissingRequestRoute_LoadFailsNamingTheFile()
    {
        using var deployment = new TestDeployment().WithScript("nosip_msg.csx", "Exit();");
        var (host, _) = ScriptedSipApplication.Build(["--contentRoot", deployment.Root], TextWriter.Null);
        using (host)
        {
            var runtime = (ScriptedSip.Scripting.ScriptRuntime)host!.Services.GetService(typeof(ScriptedSip.Scripting.ScriptRuntime))!;
            Assert.That(runtime.Load().Errors, Has.Some.Contains("request_route.csx: error: request_route.csx is required"));
        }
    }

    internal static Task Eventually(Func<bool> condition, int timeoutMs = 3000) => UdpCoreTests.Eventually(condition, timeoutMs);
}
