using System.Text.Json.Nodes;
using ScriptedSip.Core.Stats;
using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.IntegrationTests.Transport;

namespace ScriptedSip.IntegrationTests.Registrar;

/// <summary>
/// Two real softphones (baresip) against the shipped scripts and the shipped registrar and
/// authentication settings: both register with digest credentials, alice calls bob (auto-answer),
/// the call is established on both sides and through the server (INVITE 200 and ACK relayed), then
/// alice hangs up (BYE relayed, its 200 back). Every step waits for baresip's events on its control
/// connection or for the server's counters.
/// </summary>
[NonParallelizable]
public sealed class BaresipCallTests
{
    private static readonly int Invite = Index("INVITE");
    private static readonly int Ack = Index("ACK");
    private static readonly int Bye = Index("BYE");

    [Test]
    public async Task TwoBaresipPhones_RegisterWithDigest_CallEstablishedThroughTheProxy_HungUpWithBye()
    {
        Baresip.RequireInstalled();
        using var deployment = ShippedDeployment();
        await using var host = await RunningHost.StartAsync(deployment, "--Plugins:Auth:Users:alice=secret", "--Plugins:Auth:Users:bob=secret2");
        var domain = host.EndPoint.ToString();
        await using var alice = await Baresip.StartAsync("alice");
        await using var bob = await Baresip.StartAsync("bob");

        Assert.That(Baresip.Type(await alice.RegisterAsync($"sip:alice@{domain}", "secret")), Is.EqualTo("REGISTER_OK"), alice.Output);
        Assert.That(Baresip.Type(await bob.RegisterAsync($"sip:bob@{domain}", "secret2")), Is.EqualTo("REGISTER_OK"), bob.Output);
        var counters = host.Counters;
        var (invites, acks, byes, replies2xx) = (counters.RequestsOf(Invite), counters.RequestsOf(Ack), counters.RequestsOf(Bye), counters[SipCounter.SentReplies2xx]);

        var aliceFrom = alice.EventCount;
        var bobFrom = bob.EventCount;
        var dial = await alice.CommandAsync("dial", $"sip:bob@{domain}");
        Assert.That(dial.GetProperty("ok").GetBoolean(), Is.True, dial.ToString());
        var incoming = await bob.WaitForEventAsync(bobFrom, "CALL_ESTABLISHED");
        var outgoing = await alice.WaitForEventAsync(aliceFrom, "CALL_ESTABLISHED");
        Assert.That(incoming.GetProperty("direction").GetString(), Is.EqualTo("incoming"));
        Assert.That(incoming.GetProperty("peeruri").GetString(), Is.EqualTo($"sip:alice@{domain}"), "bob sees alice's identity");
        Assert.That(outgoing.GetProperty("direction").GetString(), Is.EqualTo("outgoing"));

        // Through the proxy: the INVITE challenged (407) then sent with credentials, bob's 200 relayed
        // back, and the ACKs (for the 407, absorbed; for the 200, relayed to bob).
        await UdpCoreTests.Eventually(() => counters.RequestsOf(Ack) - acks >= 2 && counters[SipCounter.SentReplies2xx] - replies2xx >= 1, 10_000);
        Assert.That(counters.RequestsOf(Invite) - invites, Is.EqualTo(2), "one challenged INVITE, one with credentials");
        var replies2xxInCall = counters[SipCounter.SentReplies2xx];

        var aliceClosedFrom = alice.EventCount;
        var bobClosedFrom = bob.EventCount;
        await alice.CommandAsync("hangup");
        Assert.That(Baresip.Param(await bob.WaitForEventAsync(bobClosedFrom, "CALL_CLOSED")), Is.EqualTo("Connection reset by peer"), "bob got alice's BYE");
        await alice.WaitForEventAsync(aliceClosedFrom, "CALL_CLOSED");
        await UdpCoreTests.Eventually(() => counters.RequestsOf(Bye) - byes == 1 && counters[SipCounter.SentReplies2xx] > replies2xxInCall, 10_000);
        Assert.That(counters[SipCounter.ScriptErrors], Is.Zero);
    }

    [Test]
    public async Task BaresipWithAWrongPassword_RefusedThenBlocked_APhoneOnAnotherAddressStillRegisters()
    {
        Baresip.RequireInstalled();
        using var deployment = ShippedDeployment();
        await using var host = await RunningHost.StartAsync(deployment, "--Plugins:Auth:Users:alice=secret", "--Plugins:Auth:Users:bob=secret2");
        var domain = host.EndPoint.ToString();
        await using var mallory = await Baresip.StartAsync("mallory");
        await using var bob = await Baresip.StartAsync("bob", "127.0.0.2");

        // baresip answers every fresh challenge again: the failure limit (10 per source address and
        // per user) ends it with 403, the address and the user named in one warning.
        var since = mallory.EventCount;
        await mallory.CommandAsync("uanew", $"<sip:alice@{domain}>;auth_pass=guess;regint=600");
        var blocked = await mallory.WaitForEventAsync(since, e => Baresip.Type(e) == "REGISTER_FAIL" && Baresip.Param(e) == "403 Too many failed attempts");
        Assert.That(mallory.Events().Skip(since).Count(e => Baresip.Type(e) == "REGISTER_OK"), Is.Zero, "never registered");
        Assert.That(RunningHost.Logs(), Has.Some.Contains("Authentication blocked: 10 failures within 60 s from 127.0.0.1 or for user alice"));

        var registered = await bob.RegisterAsync($"sip:bob@{domain}", "secret2");
        Assert.That(Baresip.Type(registered), Is.EqualTo("REGISTER_OK"), () => $"another address and user are not blocked: {registered} (after {blocked})");
    }

    /// <summary>
    /// The shipped scripts with the shipped Registrar and Auth settings (authentication on), with one
    /// change: baresip 1.0 (libre) computes MD5 digests only and gives up as soon as any challenge of
    /// a REGISTER names another algorithm, so the challenge offers MD5 alone (as for sipp).
    /// </summary>
    private static TestDeployment ShippedDeployment() =>
        new TestDeployment()
            .WithShippedSettings("Plugins", "Registrar")
            .WithShippedSettings("Plugins", "Auth")
            .WithSettings(new JsonArray("MD5"), "Plugins", "Auth", "Algorithms")
            .WithShippedScripts();

    private static int Index(string method) => SipCounters.Methods.ToList().IndexOf(method);
}
