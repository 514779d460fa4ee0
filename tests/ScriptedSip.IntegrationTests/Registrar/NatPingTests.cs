using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.IntegrationTests.Transport;

namespace ScriptedSip.IntegrationTests.Registrar;

/// <summary>
/// Keep-alive pings to NATed contacts on the host's fake clock: real UDP peers register through the
/// shipped scripts with a Contact naming a private address while their packets come from
/// 127.0.0.1, and get the pings at that source address. Every interval and ping timeout passes only
/// when the test advances the clock; the pings are sent inside the advance, so whatever was sent is
/// already queued at the peer when <c>Advance</c> returns.
/// </summary>
[NonParallelizable]
public sealed class NatPingTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Half = TimeSpan.FromMilliseconds(500);

    [Test]
    public async Task OptionsPings_SpreadOverTheInterval_AnsweredContactStays_SilentOneRemovedAfterNFailures()
    {
        using var meters = MeterReader.ForPlugin("natping.");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var deployment = Deployment(interval: 2, method: "OPTIONS", failures: 2);
        await using var host = await RunningHost.StartAsync(deployment, time);
        using var alice = new DigestClient(host.EndPoint, "alice", "");
        using var carol = new DigestClient(host.EndPoint, "carol", "");
        using var bob = new DigestClient(host.EndPoint, "bob", "");
        Assert.That(SipText.StatusCode(alice.Register("Contact: <sip:alice@192.168.1.20:5060>")), Is.EqualTo(200));
        Assert.That(SipText.StatusCode(carol.Register("Contact: <sip:carol@10.0.0.7:5060>")), Is.EqualTo(200));
        Assert.That(SipText.StatusCode(bob.Register($"Contact: <sip:bob@{bob.Peer.LocalEndPoint}>")), Is.EqualTo(200), "not behind NAT: never pinged");
        var (alicePings, carolPings, carolWaiting) = (0, 0, false);

        // Two rounds of two seconds: each second pings one of the two NATed contacts, never both at once.
        for (var second = 1; second <= 4; second++)
        {
            time.Advance(Half); // a ping of the previous second to carol times out (400 ms)
            if (carolWaiting)
            {
                await WaitForLog("NAT ping of carol@", ": 408", carolPings);
                carolWaiting = false;
            }

            time.Advance(Half); // the next second: a ping
            var toAlice = alice.Peer.Receive(TimeSpan.Zero)?.Text;
            var toCarol = carol.Peer.Receive(TimeSpan.Zero)?.Text;
            Assert.That((toAlice is null ? 0 : 1) + (toCarol is null ? 0 : 1), Is.EqualTo(1), $"second {second}: one ping, spread over the interval");
            var ping = (toAlice ?? toCarol)!;
            var peer = toAlice is null ? carol : alice;
            Assert.That(ping, Does.StartWith($"OPTIONS sip:127.0.0.1:{peer.Peer.Port};transport=udp SIP/2.0"), "sent to the REGISTER's source, not the private Contact");
            Assert.That(SipText.Header(ping, "From"), Does.StartWith("<sip:pinger@localhost>"));
            if (toAlice is not null)
            {
                alicePings++;
                alice.Peer.Send(host.EndPoint, SipText.ReplyTo(ping, 404, "Not Found")); // any reply proves the contact alive
                await WaitForLog("NAT ping of alice@", ": 404", alicePings);
            }
            else
            {
                carolPings++;
                carolWaiting = true;
            }
        }

        time.Advance(Half);
        await WaitForLog("NAT ping of carol@", ": 408", 2);
        Assert.That((alicePings, carolPings), Is.EqualTo((2, 2)));
        Assert.That(RunningHost.Logs(), Has.One.Contains("NAT ping: contact sip:carol@10.0.0.7:5060 of carol@127.0.0.1 removed: 2 OPTIONS pings to sip:127.0.0.1:" + carol.Peer.Port + ";transport=udp in a row got no reply"));
        Assert.That(SipText.Header(carol.Register(string.Empty), "Contact"), Is.Null, "carol's binding is gone");
        Assert.That(SipText.Header(alice.Register(string.Empty), "Contact"), Does.StartWith("<sip:alice@192.168.1.20:5060>"), "alice answered: she stays");
        bob.Peer.AssertNothingReceived("a contact not behind NAT is not pinged");

        // The next round pings only alice.
        time.Advance(Half);
        Assert.That(alice.Peer.ReceiveText(Wait), Does.StartWith("OPTIONS "));
        carol.Peer.AssertNothingReceived("a removed contact is not pinged");
        var counters = meters.Collect();
        Assert.That(counters["natping.sent"], Is.EqualTo(5));
        Assert.That(counters["natping.failed"], Is.EqualTo(2));
        Assert.That(counters["natping.removed"], Is.EqualTo(1));
    }

    [Test]
    public async Task OptionsPings_NotRemovedWhenRemoveOnNatPingFailureIsFalse()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var deployment = Deployment(interval: 1, method: "OPTIONS", failures: 1);
        deployment.WithSettings(JsonValue.Create(false), "Plugins", "Registrar", "RemoveOnNatPingFailure");
        await using var host = await RunningHost.StartAsync(deployment, time);
        using var carol = new DigestClient(host.EndPoint, "carol", "");
        Assert.That(SipText.StatusCode(carol.Register("Contact: <sip:carol@10.0.0.7:5060>")), Is.EqualTo(200));

        for (var round = 1; round <= 2; round++)
        {
            time.Advance(Half); // the previous ping's timeout passes
            await WaitForLog("NAT ping of carol@", ": 408", round - 1);
            time.Advance(Half); // a round of one second: one ping
            Assert.That(carol.Peer.ReceiveText(Wait), Does.StartWith("OPTIONS "));
        }

        time.Advance(Half);
        await WaitForLog("NAT ping of carol@", ": 408", 2);
        Assert.That(SipText.Header(carol.Register(string.Empty), "Contact"), Does.StartWith("<sip:carol@10.0.0.7:5060>"));
        Assert.That(RunningHost.Logs(), Has.None.Contains("NAT ping: contact"));
    }

    [Test]
    public async Task CrlfPings_ReachTheSourceAddress_NoTransaction()
    {
        using var meters = MeterReader.ForPlugin("natping.");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var deployment = Deployment(interval: 5, method: "CRLF", failures: 1);
        await using var host = await RunningHost.StartAsync(deployment, time);
        using var alice = new DigestClient(host.EndPoint, "alice", "");
        Assert.That(SipText.StatusCode(alice.Register("Contact: <sip:alice@192.168.1.20:5060>")), Is.EqualTo(200));

        time.Advance(TimeSpan.FromSeconds(1));
        var ping = alice.Peer.Receive(Wait);

        Assert.That(ping?.Text, Is.EqualTo("\r\n\r\n"));
        Assert.That(ping!.Value.From, Is.EqualTo(host.EndPoint), "from the server's listener");
        time.Advance(TimeSpan.FromSeconds(4));
        alice.Peer.AssertNothingReceived("one CRLF per interval, never answered, never retransmitted");
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(alice.Peer.Receive(Wait)?.Text, Is.EqualTo("\r\n\r\n"), "the next interval");
        Assert.That(meters.Collect()["natping.sent"], Is.EqualTo(2));
        Assert.That(SipText.Header(alice.Register(string.Empty), "Contact"), Does.StartWith("<sip:alice@192.168.1.20:5060>"), "CRLF pings never remove a contact");
    }

    [TestCase("NatPingIntervalSeconds", "-5", "plugin Registrar: Plugins:Registrar:NatPingIntervalSeconds: -5 is out of range 0..86400 (0 = no keep-alive pings)", TestName = "Negative ping interval → the Registrar is not loaded, the key named")]
    [TestCase("NatPingMethod", "PING", "plugin Registrar: Plugins:Registrar:NatPingMethod: 'PING' is not OPTIONS or CRLF", TestName = "Unknown ping method → the Registrar is not loaded, the key named")]
    [TestCase("NatPingFailures", "0", "plugin Registrar: Plugins:Registrar:NatPingFailures: 0 is out of range 1..100", TestName = "Zero ping failures → the Registrar is not loaded, the key named")]
    [TestCase("NatPingFrom", "pinger@localhost", "plugin Registrar: Plugins:Registrar:NatPingFrom: 'pinger@localhost' is not a sip: URI without spaces or angle brackets", TestName = "Ping From not a sip URI → the Registrar is not loaded, the key named")]
    public async Task BadPingSettings_RefusedAtLoad_WithTheKeyNamed(string key, string value, string error)
    {
        using var deployment = new TestDeployment()
            .WithShippedPlugin("Registrar")
            .WithSettings(JsonValue.Create(string.Empty), "Plugins", "Registrar", "DataPath")
            .WithSettings(JsonValue.Create(value), "Plugins", "Registrar", key)
            .WithScript("request_route.csx", "SlSendReply(200, \"OK\");");
        await using var host = await RunningHost.StartAsync(deployment);
        using var phone = new UdpPeer();

        Assert.That(host.Plugins.Errors, Has.One.EqualTo(error));
        Assert.That(RunningHost.Logs(), Has.Some.Contains(error), "logged");
        phone.Send(host.EndPoint, SipText.Request("OPTIONS", $"sip:{host.EndPoint}", phone.LocalEndPoint));
        Assert.That(SipText.StatusCode(phone.ReceiveText(Wait)), Is.EqualTo(200), "the server keeps serving");
    }

    /// <summary>The shipped scripts (auth off), the location in memory, pings as given with a 400 ms timeout (below T1: no retransmission).</summary>
    private static TestDeployment Deployment(int interval, string method, int failures)
    {
        var deployment = new TestDeployment().WithShippedScripts();
        var registrar = new JsonObject
        {
            ["DataPath"] = string.Empty,
            ["NatPingIntervalSeconds"] = interval,
            ["NatPingMethod"] = method,
            ["NatPingFailures"] = failures,
            ["NatPingTimeoutMs"] = 400,
        };
        return deployment.WithSettings(registrar, "Plugins", "Registrar");
    }

    /// <summary>Waits until <paramref name="count"/> ping results of that kind are logged (each is logged once the ping is done).</summary>
    private static Task WaitForLog(string start, string end, int count) =>
        UdpCoreTests.Eventually(() => RunningHost.Logs().Count(l => l.Contains(start, StringComparison.Ordinal) && l.EndsWith(end, StringComparison.Ordinal)) >= count, 5000);
}
