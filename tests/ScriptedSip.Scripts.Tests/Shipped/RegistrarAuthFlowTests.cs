using ScriptedSip.Scripts.Tests.Infrastructure;

namespace ScriptedSip.Scripts.Tests.Shipped;

/// <summary>
/// The shipped scripts as shipped: authentication on, users alice and bob in the domain
/// <c>example.org</c> served here. Every branch of the REGISTER, authentication, location and
/// MANAGE_FAILURE paths, with digest answers computed as a phone computes them.
/// </summary>
public sealed class RegistrarAuthFlowTests
{
    private const string Domain = "example.org";
    private const string AliceContact = "192.0.2.31:5062";
    private const string BobContact = "192.0.2.32:5064";
    private RouteTestHost _host = null!;

    [SetUp]
    public void StartHost() => _host = RouteTestHost.Start(
        ShippedScripts.Options(Repository.Scripts)
            .WithSetting("Plugins:Auth:Enabled", "true")
            .WithSetting("Plugins:Auth:Algorithms:0", "SHA-256")
            .WithSetting("Plugins:Auth:Algorithms:1", "MD5")
            .WithSetting("Plugins:Auth:Users:alice", "alice-secret")
            .WithSetting("Plugins:Auth:Users:bob", "bob-secret")
            .WithSetting("Sip:Domains:0", Domain));

    [TearDown]
    public void StopHost() => _host.Dispose();

    [Test]
    public void Register_WithoutCredentials_Is401_OneChallengePerAlgorithmInOrder()
    {
        var outcome = _host.Send(Register("alice"), from: AliceContact);

        Assert.That(outcome.Reply.Status, Is.EqualTo(401));
        var challenges = outcome.Reply.HeaderValues("WWW-Authenticate");
        Assert.That(challenges.Select(c => DigestClient.Parse(c)["algorithm"]), Is.EqualTo((string[])["SHA-256", "MD5"]));
        Assert.That(challenges.Select(c => DigestClient.Parse(c)["realm"]), Is.All.EqualTo(Domain));
        Assert.That(outcome.Relays, Is.Empty);
    }

    [TestCase(0, TestName = "Register_AnsweringTheSha256Challenge_Is200WithTheBinding")]
    [TestCase(1, TestName = "Register_AnsweringTheMd5Challenge_Is200WithTheBinding")]
    public void Register_WithGoodCredentials_Is200WithTheBinding(int challengeIndex)
    {
        var ok = RegisterWithAuth("alice", "alice-secret", AliceContact, challengeIndex);

        Assert.That(ok.Reply.Status, Is.EqualTo(200), ok.ToString());
        Assert.That(ok.Reply.Header("Contact"), Does.Contain($"sip:alice@{AliceContact}").And.Contain("expires=3600"));
    }

    [Test]
    public void Register_TheSameContactTwiceInOneRequest_IsOneBinding()
    {
        var challenge = _host.Send(Register("alice", AliceContact), from: AliceContact).Reply.HeaderValues("WWW-Authenticate")[1];
        var twice = Register("alice", AliceContact).Header("Contact", $"<sip:alice@{AliceContact}>")
            .Header("Authorization", DigestClient.Answer(challenge, "REGISTER", $"sip:{Domain}", "alice", "alice-secret"));

        var ok = _host.Send(twice, from: AliceContact);

        Assert.That(ok.Reply.Status, Is.EqualTo(200), ok.ToString());
        Assert.That(ok.Reply.HeaderValues("Contact"), Has.Count.EqualTo(1));
    }

    [Test]
    public void Register_WithAWrongPassword_IsChallengedAgain_AndNothingIsStored()
    {
        var wrong = RegisterWithAuth("alice", "not-her-secret", AliceContact);

        Assert.That(wrong.Reply.Status, Is.EqualTo(401));
        Assert.That(_host.Send(Invite("alice", from: "carol@example.net")).Reply.Status, Is.EqualTo(404), "alice is not registered");
    }

    [Test]
    public void Register_ReplayingTheSameNonceCount_IsChallengedAgain()
    {
        var challenge = _host.Send(Register("alice"), from: AliceContact).Reply.HeaderValues("WWW-Authenticate")[1];
        var credentials = DigestClient.Answer(challenge, "REGISTER", $"sip:{Domain}", "alice", "alice-secret");

        var first = _host.Send(Register("alice").Header("Authorization", credentials), from: AliceContact);
        var replay = _host.Send(Register("alice").Header("Authorization", credentials), from: AliceContact);

        Assert.That(first.Reply.Status, Is.EqualTo(200));
        Assert.That(replay.Reply.Status, Is.EqualTo(401), "the same nonce and nc again is a replay");
    }

    [Test]
    public void Register_RetransmittedWithTheSameBranchAndCSeq_IsAnsweredAgain_NotTakenForAReplay()
    {
        var challenge = _host.Send(Register("alice"), from: AliceContact).Reply.HeaderValues("WWW-Authenticate")[1];
        var register = Register("alice").Header("Authorization", DigestClient.Answer(challenge, "REGISTER", $"sip:{Domain}", "alice", "alice-secret"));

        var first = _host.Send(register, from: AliceContact);
        var retransmission = _host.Send(register, from: AliceContact); // the phone did not see the first 200 in time

        Assert.That(first.Reply.Status, Is.EqualTo(200));
        Assert.That(retransmission.Reply.Status, Is.EqualTo(200), "the same request again, not a replay of its credentials");
    }

    [Test]
    public void Register_WithAMalformedAuthorization_Is400_NotAServerError()
    {
        var outcome = _host.Send(Register("alice").Header("Authorization", "Digest username=\"alice, realm=\"example.org\""), from: AliceContact);

        Assert.That(outcome.Reply.Status, Is.EqualTo(400), outcome.ToString());
        Assert.That(outcome.ScriptErrors, Is.Empty);
    }

    [Test]
    public void Invite_FromOurUserWithoutCredentials_Is407()
    {
        var outcome = _host.Send(Invite("bob", from: $"alice@{Domain}"), from: AliceContact);

        Assert.That(outcome.Reply.Status, Is.EqualTo(407));
        Assert.That(outcome.Reply.HeaderValues("Proxy-Authenticate"), Has.Count.EqualTo(2));
        Assert.That(outcome.Relays, Is.Empty);
    }

    [Test]
    public void Invite_FromOurAuthenticatedUser_ToARegisteredUser_GoesToTheContact_WithoutOurCredentials()
    {
        Assert.That(RegisterWithAuth("bob", "bob-secret", BobContact).Reply.Status, Is.EqualTo(200));

        var relay = CallWithAuth("bob", "alice", "alice-secret");

        Assert.That(relay.Relay.Destination.ToString(), Is.EqualTo(BobContact));
        Assert.That(relay.Relay.RequestUri, Is.EqualTo($"sip:bob@{BobContact}"));
        Assert.That(relay.Relay.Header("Proxy-Authorization"), Is.Null, "ConsumeCredentials took ours off");
        Assert.That(relay.Relay.Header("Record-Route"), Is.Not.Null);
    }

    [Test]
    public void Invite_FromOurAuthenticatedUser_ToAnUnregisteredUser_Is404()
    {
        var outcome = CallWithAuth("bob", "alice", "alice-secret");

        Assert.That(outcome.Reply.Status, Is.EqualTo(404));
        Assert.That(outcome.Relays, Is.Empty);
    }

    [Test]
    public void Invite_FromOurUserToAnotherDomain_IsRelayedOnceAuthenticated()
    {
        var outcome = CallWithAuth("bob@example.com", "alice", "alice-secret");

        Assert.That(outcome.Relay.Destination.ToString(), Is.EqualTo($"{ShippedScripts.ExampleCom}:5060"));
    }

    [Test]
    public void Invite_FromAnotherDomainToAnotherDomain_Is403NotRelaying()
    {
        var outcome = _host.Send(Invite("bob@example.com", from: "mallory@example.net"), from: "198.51.100.7:5060");

        Assert.That(outcome.Reply.Status, Is.EqualTo(403));
        Assert.That(outcome.Reply.Reason, Is.EqualTo("Not relaying"));
        Assert.That(outcome.Relays, Is.Empty);
    }

    [Test]
    public void Invite_FromAnotherDomainToOurRegisteredUser_IsDeliveredWithoutAuthentication()
    {
        RegisterWithAuth("bob", "bob-secret", BobContact);

        var outcome = _host.Send(Invite("bob", from: "carol@example.net"), from: "198.51.100.7:5060");

        Assert.That(outcome.Relay.Destination.ToString(), Is.EqualTo(BobContact));
    }

    [Test]
    public void TwoContacts_SameQ_ForkInParallel_TheFirst200Wins_TheOtherIsCancelled()
    {
        RegisterWithAuth("bob", "bob-secret", BobContact);
        RegisterWithAuth("bob", "bob-secret", "192.0.2.33:5066");

        var invite = _host.Send(Invite("bob", from: "carol@example.net"), from: "198.51.100.7:5060");
        Assert.That(invite.Relays.Select(r => r.Destination.ToString()), Is.EquivalentTo((string[])[BobContact, "192.0.2.33:5066"]));

        // The other phone rings (a CANCEL may only follow a provisional reply, RFC 3261 §9.1), then the first answers.
        invite.Relays.Single(r => r.Destination.ToString() == "192.0.2.33:5066").Respond(180);
        var answered = invite.Relays.Single(r => r.Destination.ToString() == BobContact).Respond(200);

        Assert.That(answered.Reply.Status, Is.EqualTo(200));
        Assert.That(answered.RelayOf("CANCEL").Destination.ToString(), Is.EqualTo("192.0.2.33:5066"));
    }

    [Test]
    public void ContactsWithQValues_ForkSerially_ThroughManageFailure()
    {
        RegisterWithAuth("bob", "bob-secret", BobContact, q: "1.0");
        RegisterWithAuth("bob", "bob-secret", "192.0.2.33:5066", q: "0.5");

        var invite = _host.Send(Invite("bob", from: "carol@example.net"), from: "198.51.100.7:5060");
        Assert.That(invite.Relay.Destination.ToString(), Is.EqualTo(BobContact), "the best q first, alone");

        var busy = invite.Relay.Respond(486);
        Assert.That(busy.RelayOf("INVITE").Destination.ToString(), Is.EqualTo("192.0.2.33:5066"), "MANAGE_FAILURE tries the next group");
        Assert.That(busy.Replies.Where(r => r.Status >= 300), Is.Empty, "nothing final upstream yet");

        var declined = busy.RelayOf("INVITE").Respond(486);
        Assert.That(declined.Reply.Status, Is.EqualTo(486), "no group left: the best reply goes upstream");
    }

    [Test]
    public void RegisteredButSilent_AfterTheFrTimer_Is480()
    {
        RegisterWithAuth("bob", "bob-secret", BobContact);
        _host.Send(Invite("bob", from: "carol@example.net"), from: "198.51.100.7:5060");

        var timeout = _host.Advance(TimeSpan.FromSeconds(40));

        Assert.That(timeout.Replies.Select(r => r.Status), Does.Contain(480));
    }

    [Test]
    public void A6xx_EndsTheFork_NoFurtherContactIsTried()
    {
        RegisterWithAuth("bob", "bob-secret", BobContact, q: "1.0");
        RegisterWithAuth("bob", "bob-secret", "192.0.2.33:5066", q: "0.5");
        var invite = _host.Send(Invite("bob", from: "carol@example.net"), from: "198.51.100.7:5060");

        var decline = invite.Relay.Respond(603);

        Assert.That(decline.Reply.Status, Is.EqualTo(603));
        Assert.That(decline.Relays.Where(r => r.Method == "INVITE"), Is.Empty);
    }

    private static SipRequest Register(string user, string? contact = null, string? q = null)
    {
        var request = SipRequest.Register($"sip:{Domain}").From($"sip:{user}@{Domain}").To($"sip:{user}@{Domain}");
        return contact is null ? request : request.Header("Contact", $"<sip:{user}@{contact}>" + (q is null ? string.Empty : ";q=" + q));
    }

    private RouteOutcome RegisterWithAuth(string user, string password, string contact, int challengeIndex = 1, string? q = null)
    {
        var challenge = _host.Send(Register(user, contact, q), from: contact).Reply.HeaderValues("WWW-Authenticate")[challengeIndex];
        var credentials = DigestClient.Answer(challenge, "REGISTER", $"sip:{Domain}", user, password);
        return _host.Send(Register(user, contact, q).Header("Authorization", credentials), from: contact);
    }

    private static SipRequest Invite(string target, string from) =>
        SipRequest.Invite(target.Contains('@', StringComparison.Ordinal) ? $"sip:{target}" : $"sip:{target}@{Domain}").From($"sip:{from}");

    private RouteOutcome CallWithAuth(string target, string user, string password)
    {
        var request = Invite(target, $"{user}@{Domain}");
        var challenge = _host.Send(request, from: AliceContact).Reply.HeaderValues("Proxy-Authenticate")[1];
        var credentials = DigestClient.Answer(challenge, "INVITE", request.RequestUri, user, password);
        return _host.Send(Invite(target, $"{user}@{Domain}").Header("Proxy-Authorization", credentials), from: AliceContact);
    }
}
