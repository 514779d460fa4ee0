using ScriptedSip.Core.Stats;
using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Scripting;

/// <summary>
/// One error policy for misuse of the script API (README "Error policy"): what depends on the
/// packet or the moment returns false/0 and logs one warning, and the route goes on.
/// </summary>
[NonParallelizable]
public sealed class ErrorPolicyTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Test]
    public async Task RunTimeMisuse_ReturnsFalseOrZero_LogsOneWarningEach_RouteGoesOn()
    {
        using var next = new UdpPeer();
        using var deployment = new TestDeployment()
            .WithScript("request_route.csx", """
                var results = new List<string>
                {
                    AsyncRoute("R", 0).ToString(),
                    TIndex.ToString(),
                    TLabel.ToString(),
                    SlSendReply(99, "Too Low").ToString(),
                    TReply(700, "Too High").ToString(),
                    TRelay("  ").ToString(),
                };
                await AsyncSleep(0);
                Ru = "";
                SlSendReply(200, string.Join(",", results));
                """)
            .WithScript("R.csx", "Xlog(\"never\");")
            .WithScript("reply_route.csx", """
                RecordRoute();
                Shv["rr"] = MaxFwdProcess(10).ToString() + "," + LooseRoute().ToString() + "," + TRelay().ToString();
                """);
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();

        caller.Send(host.EndPoint, SipText.Request("MESSAGE", "sip:bob@127.0.0.1", caller.LocalEndPoint));
        var reply = caller.ReceiveText(Wait);
        Assert.That(reply, Does.StartWith("SIP/2.0 200 False,0,0,False,False,False\r\n"));

        var logs = RunningHost.Logs();
        Assert.That(logs, Has.Some.Contains("AsyncRoute failed: seconds must be 1..100, not 0"));
        Assert.That(logs, Has.Some.Contains("TIndex: this message has no transaction yet"));
        Assert.That(logs, Has.Some.Contains("TLabel: this message has no transaction yet"));
        Assert.That(logs, Has.Some.Contains("SlSendReply: 99 is not a SIP status code (100..699); ignored"));
        Assert.That(logs, Has.Some.Contains("TReply: 700 is not a SIP status code (100..699); ignored"));
        Assert.That(logs, Has.Some.Contains("TRelay: the destination URI is empty; ignored"));
        Assert.That(logs, Has.Some.Contains("AsyncSleep: seconds must be 1..100, not 0; not sleeping"));
        Assert.That(logs, Has.Some.Contains("Ru: the new Request-URI is empty; ignored"));
        Assert.That(host.Counters[SipCounter.ScriptErrors], Is.Zero, "no misuse above is a script error");

        // A reply through the reply route: request-only functions warn and return false there.
        caller.Send(host.EndPoint, "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKnotours\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\nCall-ID: policy-reply\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
        await Transport.UdpCoreTests.Eventually(() => host.Shv.ContainsKey("rr"));
        Assert.That(host.Shv["rr"], Is.EqualTo("False,False,False"));
        logs = RunningHost.Logs();
        foreach (var function in new[] { "RecordRoute", "MaxFwdProcess", "LooseRoute", "TRelay" })
        {
            Assert.That(logs, Has.Some.Contains($"{function}() is not available in a Reply route"));
        }
    }

    [Test]
    public void ProgrammingErrorsVisibleAtLoad_AreLoadErrors_NotRunTimeSurprises()
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", "TOnFailure(\"MISSING\");\nSlSendReply(200, \"OK\");");

        var error = Assert.ThrowsAsync<InvalidOperationException>(async () => await RunningHost.StartAsync(deployment));

        Assert.That(error!.Message, Does.Contain("request_route.csx(1,12): error SSR002"));
    }
}
