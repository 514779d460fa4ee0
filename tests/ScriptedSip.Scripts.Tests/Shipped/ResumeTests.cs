using ScriptedSip.Scripts.Tests.Infrastructure;

namespace ScriptedSip.Scripts.Tests.Shipped;

/// <summary>
/// The seed's resume flow: examples/seed-resume/request_route.csx parks every INVITE, the shipped
/// nosip_msg.csx takes the outside system's decision and the shipped RESUME.csx relays.
/// </summary>
public sealed class ResumeTests
{
    private ScriptFolder _scripts = null!;
    private RouteTestHost _host = null!;

    [OneTimeSetUp]
    public void WriteScripts() => _scripts = new ScriptFolder("seed-resume")
        .Copy("examples/seed-resume/request_route.csx")
        .Copy("scripts/nosip_msg.csx")
        .Copy("scripts/RESUME.csx");

    [OneTimeTearDown]
    public void RemoveScripts() => _scripts.Dispose();

    [SetUp]
    public void StartHost() => _host = RouteTestHost.Start(ShippedScripts.Options(_scripts.Path));

    [TearDown]
    public void StopHost() => _host.Dispose();

    [Test]
    public void Invite_IsParked_ThenResumed_AndRelayedWithRecordRoute()
    {
        var invite = _host.Send(SipRequest.Invite("sip:bob@example.com"));
        Assert.That(invite.Relays, Is.Empty);
        var parked = invite.Suspension;
        Assert.That(parked.Method, Is.EqualTo("INVITE"));

        var resumed = _host.SendDatagram(parked.ResumePacket(), from: "127.0.0.1:9");

        Assert.That(resumed.Relay.Method, Is.EqualTo("INVITE"));
        Assert.That(resumed.Relay.Destination.ToString(), Is.EqualTo($"{ShippedScripts.ExampleCom}:5060"));
        Assert.That(resumed.Relay.HeaderValues("Record-Route"), Is.EqualTo(new[] { $"<sip:{ShippedScripts.Us};lr>" }), "RESUME records the route again");
        Assert.That(_host.Suspended, Is.Empty);
    }

    [Test]
    public void ResumedCall_AnswerGoesBackToTheCaller()
    {
        var parked = _host.Send(SipRequest.Invite("sip:bob@example.com")).Suspension;
        var relay = _host.SendDatagram(parked.ResumePacket(), from: "127.0.0.1:9").Relay;

        var ok = relay.Respond(200);

        Assert.That(ok.Reply.Status, Is.EqualTo(200));
        Assert.That(ok.Reply.Destination.ToString(), Is.EqualTo("192.0.2.10:5060"));
    }

    [Test]
    public void ParkedAndNeverResumed_Is408_AfterTheFrTimer()
    {
        _host.Send(SipRequest.Invite("sip:bob@example.com"));

        Assert.That(_host.Advance(TimeSpan.FromSeconds(29.99)).Replies, Is.Empty);
        var timeout = _host.Advance(TimeSpan.FromMilliseconds(10));

        Assert.That(timeout.Reply.Status, Is.EqualTo(408));
        Assert.That(_host.Suspended, Is.Empty);
    }

    [Test]
    public void ResumedTowardsANameThatDoesNotResolve_Is503UnresolvableDestination()
    {
        var parked = _host.Send(SipRequest.Invite("sip:bob@nowhere.invalid")).Suspension;

        var resumed = _host.SendDatagram(parked.ResumePacket(), from: "127.0.0.1:9");

        Assert.That(resumed.Reply.Status, Is.EqualTo(503));
        Assert.That(resumed.Reply.Reason, Is.EqualTo("Unresolvable destination"));
        Assert.That(resumed.Relays, Is.Empty);
    }

    [Test]
    public void SecondResumeOfTheSameTransaction_Fails()
    {
        var parked = _host.Send(SipRequest.Invite("sip:bob@example.com")).Suspension;
        _host.SendDatagram(parked.ResumePacket(), from: "127.0.0.1:9");

        var again = _host.SendDatagram(parked.ResumePacket(), from: "127.0.0.1:9");

        Assert.That(again.Relays, Is.Empty);
        Assert.That(again.Xlog.Select(l => l.Text), Does.Contain($"resume of {parked.Index}:{parked.Label} in route RESUME failed"));
    }

    [Test]
    public void NonInvite_IsRelayedAtOnce_NotParked()
    {
        var outcome = _host.Send(SipRequest.Message("sip:bob@example.com"));

        Assert.That(outcome.Relay.Method, Is.EqualTo("MESSAGE"));
        Assert.That(outcome.Suspended, Is.Empty);
    }
}
