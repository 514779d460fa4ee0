using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using NLog;
using NLog.Config;
using NLog.Targets;
using ScriptedSip.Host.Logging;
using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Logging;

/// <summary>Logging:Format text and json: a line written during a call's route carries its Call-ID, method, source and route.</summary>
[NonParallelizable]
public sealed class LogFormatTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Test]
    public async Task Text_XlogLineOfACall_CarriesCallIdMethodSourceRoute()
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", "Xlog(\"hello-text\"); SlSendReply(200, \"OK\");");
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();
        peer.Send(host.EndPoint, SipText.Request("OPTIONS", $"sip:{host.EndPoint}", peer.LocalEndPoint, callId: "text-call-1@test"));
        Assert.That(SipText.StatusCode(peer.ReceiveText(Wait)), Is.EqualTo(200));

        Assert.That(RunningHost.Logs(), Has.Some.EndsWith($"hello-text [Call-ID text-call-1@test; OPTIONS; from 127.0.0.1:{peer.Port}; route request_route]"));
        Assert.That(RunningHost.Logs().Where(l => l.Contains("Listening on", StringComparison.Ordinal)), Has.None.Contains("[Call-ID"), "lines outside a route have no message context");
    }

    [Test]
    public async Task Json_OneObjectPerLine_XlogLineOfACall_CarriesCallIdAsAField()
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", "Xlog(ScriptLogLevel.Warn, \"hello \\\"json\\\"\"); SlSendReply(200, \"OK\");");
        await using var host = await RunningHost.StartAsync(deployment, "--Logging:Format=json");
        using var peer = new UdpPeer();
        peer.Send(host.EndPoint, SipText.Request("OPTIONS", $"sip:{host.EndPoint}", peer.LocalEndPoint, callId: "json-call-1@test"));
        Assert.That(SipText.StatusCode(peer.ReceiveText(Wait)), Is.EqualTo(200));

        var lines = RunningHost.Logs().Select(l => JsonDocument.Parse(l).RootElement).ToList(); // every line is one JSON object
        var line = lines.Single(l => l.GetProperty("message").GetString()!.Contains("hello \"json\"", StringComparison.Ordinal));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(line.GetProperty("call_id").GetString(), Is.EqualTo("json-call-1@test"));
            Assert.That(line.GetProperty("method").GetString(), Is.EqualTo("OPTIONS"));
            Assert.That(line.GetProperty("source").GetString(), Is.EqualTo($"127.0.0.1:{peer.Port}"));
            Assert.That(line.GetProperty("route").GetString(), Is.EqualTo("request_route"));
            Assert.That(line.GetProperty("level").GetString(), Is.EqualTo("WARN"));
            Assert.That(lines.First(l => l.GetProperty("message").GetString()!.StartsWith("Listening on", StringComparison.Ordinal)).TryGetProperty("call_id", out _), Is.False, "no empty context fields outside a route");
        }
    }

    [Test]
    public async Task Json_LinesOutsideARouteTurn_ParseErrorAndSuspendTimeout_CarryTheirMessageAsFields()
    {
        using var deployment = new TestDeployment(TestDeployment.DefaultSettings("\"Transactions\": { \"FrTimerMs\": 300 },"))
            .WithScript("request_route.csx", "TSuspend();");
        await using var host = await RunningHost.StartAsync(deployment, "--Logging:Format=json");
        using var peer = new UdpPeer();

        // A request with a broken Content-Length: answered 400 by the parser, logged outside any route turn.
        var broken = SipText.Request("OPTIONS", $"sip:{host.EndPoint}", peer.LocalEndPoint, callId: "broken-1@test").Replace("Content-Length: 0", "Content-Length: abc", StringComparison.Ordinal);
        peer.Send(host.EndPoint, broken);
        Assert.That(SipText.StatusCode(peer.ReceiveText(Wait)), Is.EqualTo(400));

        // A suspended INVITE nobody resumes: the timer answers 408 and logs it on the timer thread.
        peer.Send(host.EndPoint, SipText.Request("INVITE", $"sip:bob@{host.EndPoint}", peer.LocalEndPoint, callId: "suspended-1@test"));
        string final;
        do
        {
            final = peer.ReceiveText(Wait);
        }
        while (SipText.StatusCode(final) < 200);
        Assert.That(SipText.StatusCode(final), Is.EqualTo(408));
        await Transport.UdpCoreTests.Eventually(() => RunningHost.Logs().Any(l => l.Contains("timed out while suspended", StringComparison.Ordinal)));

        var lines = RunningHost.Logs().Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var parseError = lines.Single(l => l.GetProperty("message").GetString()!.Contains("SIP parse error", StringComparison.Ordinal));
        var timeout = lines.Single(l => l.GetProperty("message").GetString()!.Contains("timed out while suspended", StringComparison.Ordinal));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(parseError.GetProperty("call_id").GetString(), Is.EqualTo("broken-1@test"));
            Assert.That(parseError.GetProperty("method").GetString(), Is.EqualTo("OPTIONS"));
            Assert.That(parseError.GetProperty("source").GetString(), Is.EqualTo($"127.0.0.1:{peer.Port}"));
            Assert.That(parseError.TryGetProperty("route", out _), Is.False, "no route ran");
            Assert.That(timeout.GetProperty("call_id").GetString(), Is.EqualTo("suspended-1@test"));
            Assert.That(timeout.GetProperty("method").GetString(), Is.EqualTo("INVITE"));
            Assert.That(timeout.GetProperty("source").GetString(), Is.EqualTo($"127.0.0.1:{peer.Port}"));
        }
    }

    [Test]
    public async Task FloodOfTheSameWarning_OneLineWritten()
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", "Xlog(ScriptLogLevel.Warn, \"flooded warning\"); Xlog(\"info line\"); SlSendReply(200, \"OK\");");
        await using var host = await RunningHost.StartAsync(deployment, "--Logging:RepeatLimitMs=600000");
        using var peer = new UdpPeer();
        const int Count = 50;
        for (var i = 0; i < Count; i++)
        {
            peer.Send(host.EndPoint, SipText.Request("OPTIONS", $"sip:{host.EndPoint}", peer.LocalEndPoint, callId: "flood@test")); // one call: a script line names its Call-ID
            Assert.That(SipText.StatusCode(peer.ReceiveText(Wait)), Is.EqualTo(200));
        }

        var logs = RunningHost.Logs();
        Assert.That(logs.Count(l => l.Contains("flooded warning", StringComparison.Ordinal)), Is.EqualTo(1), "the same line each time");
        Assert.That(logs.Count(l => l.Contains("] info line", StringComparison.Ordinal)), Is.EqualTo(Count), "lines below Warn are not limited");
    }

    [Test]
    public void RepeatedLineFilter_OneLinePerInterval_TheNextSaysHowManyWereLeftOut()
    {
        var time = new FakeTimeProvider();
        using var factory = new LogFactory();
        var configuration = new LoggingConfiguration(factory);
        var memory = new MemoryTarget("m") { Layout = "${level} ${message}" };
        configuration.AddRuleForAllLevels(memory);
        configuration.LoggingRules[0].Filters.Add(new RepeatedLineFilter(time, TimeSpan.FromSeconds(1)));
        configuration.LoggingRules[0].FilterDefaultAction = NLog.Filters.FilterResult.Log;
        factory.Configuration = configuration;
        var logger = factory.GetLogger("flood");

        for (var i = 0; i < 100; i++)
        {
            logger.Warn("bad packet from {Source}", "192.0.2.1");
            logger.Info("fine");
        }

        logger.Warn("another warning");
        time.Advance(TimeSpan.FromMilliseconds(1001));
        logger.Warn("bad packet from {Source}", "192.0.2.1");

        Assert.That(memory.Logs.Where(l => l.StartsWith("Warn", StringComparison.Ordinal)), Is.EqualTo((string[])
        [
            "Warn bad packet from 192.0.2.1",
            "Warn another warning",
            "Warn bad packet from 192.0.2.1 (99 identical lines left out in the last 1 s)",
        ]));
        Assert.That(memory.Logs.Count(l => l == "Info fine"), Is.EqualTo(100));
    }
}
