namespace ScriptedSip.Scripts.Tests.Shipped;

/// <summary>Every branch of the shipped scripts/request_route.csx.</summary>
public sealed class RequestRouteTests
{
    private RouteTestHost _host = null!;

    [SetUp]
    public void StartHost() => _host = ShippedScripts.Start();

    [TearDown]
    public void StopHost() => _host.Dispose();

    [Test]
    public void MaxForwardsZero_Is483_AndNotRelayed()
    {
        var outcome = _host.Send(SipRequest.Invite("sip:bob@example.com").MaxForwards(0));

        Assert.That(outcome.Reply.Status, Is.EqualTo(483));
        Assert.That(outcome.Reply.Reason, Is.EqualTo("Too Many Hops"));
        Assert.That(outcome.Relays, Is.Empty);
    }

    [Test]
    public void MaxForwardsMissing_IsAddedWithTen_ThenDecrementedOnTheWay()
    {
        var outcome = _host.Send(SipRequest.Message("sip:bob@example.com").MaxForwards(null));

        Assert.That(outcome.Relay.Header("Max-Forwards"), Is.EqualTo("10"), outcome.ToString());
    }

    [Test]
    public void MaxForwards_IsDecremented()
    {
        var outcome = _host.Send(SipRequest.Message("sip:bob@example.com").MaxForwards(5));

        Assert.That(outcome.Relay.Header("Max-Forwards"), Is.EqualTo("4"));
    }

    [Test]
    public void OptionsToUs_Is200_Here()
    {
        var outcome = _host.Send(SipRequest.Options($"sip:{ShippedScripts.Us}"));

        Assert.That(outcome.Reply.Status, Is.EqualTo(200));
        Assert.That(outcome.Reply.Destination.ToString(), Is.EqualTo("192.0.2.10:5060"));
        Assert.That(outcome.Relays, Is.Empty);
    }

    [Test]
    public void OptionsToSomeoneElse_IsRelayed_WithoutRecordRoute()
    {
        var outcome = _host.Send(SipRequest.Options("sip:bob@example.com"));

        Assert.That(outcome.Relay.Method, Is.EqualTo("OPTIONS"));
        Assert.That(outcome.Relay.Destination.ToString(), Is.EqualTo($"{ShippedScripts.ExampleCom}:5060"));
        Assert.That(outcome.Relay.Header("Record-Route"), Is.Null);
    }

    [Test]
    public void CancelOfAnUnknownInvite_IsForwardedStatelessly()
    {
        var outcome = _host.Send(SipRequest.Cancel("sip:bob@example.com"));

        Assert.That(outcome.Relay.Method, Is.EqualTo("CANCEL"));
        Assert.That(outcome.Relay.Destination.ToString(), Is.EqualTo($"{ShippedScripts.ExampleCom}:5060"));
        Assert.That(outcome.Replies, Is.Empty, "a stateless forward answers nothing itself");
        Assert.That(outcome.Relay.HeaderValues("Via"), Has.Count.EqualTo(2));
    }

    [Test]
    public void InDialog_WithOurRoute_FollowsTheRouteSet_AndTakesOurEntryOff()
    {
        var bye = SipRequest.Bye("sip:bob@192.0.2.20:5062").WithToTag("b1").Route($"sip:{ShippedScripts.Us};lr");

        var outcome = _host.Send(bye);

        Assert.That(outcome.Relay.Method, Is.EqualTo("BYE"));
        Assert.That(outcome.Relay.Destination.ToString(), Is.EqualTo("192.0.2.20:5062"));
        Assert.That(outcome.Relay.Header("Route"), Is.Null);
    }

    [Test]
    public void InDialog_WithoutRoute_ToARemoteTarget_IsRelayedThere()
    {
        var outcome = _host.Send(SipRequest.Bye("sip:bob@192.0.2.20:5062").WithToTag("b1"));

        Assert.That(outcome.Relay.Destination.ToString(), Is.EqualTo("192.0.2.20:5062"));
    }

    [Test]
    public void InDialog_AddressedToUs_Is404NotHere()
    {
        var outcome = _host.Send(SipRequest.Bye($"sip:bob@{ShippedScripts.Us}").WithToTag("b1"));

        Assert.That(outcome.Reply.Status, Is.EqualTo(404));
        Assert.That(outcome.Reply.Reason, Is.EqualTo("Not Here"));
        Assert.That(outcome.Relays, Is.Empty);
    }

    [Test]
    public void InDialogAck_AddressedToUs_IsAbsorbed()
    {
        var outcome = _host.Send(SipRequest.Ack($"sip:bob@{ShippedScripts.Us}").WithToTag("b1"));

        Assert.That(outcome.Dropped, Is.True, outcome.ToString());
    }

    [Test]
    public void PreloadedRouteToUs_IsConsumed_AndTheRequestGoesToItsRequestUri()
    {
        var invite = SipRequest.Invite("sip:bob@example.com").Route($"sip:{ShippedScripts.Us};lr");

        var outcome = _host.Send(invite);

        Assert.That(outcome.Relay.Destination.ToString(), Is.EqualTo($"{ShippedScripts.ExampleCom}:5060"));
        Assert.That(outcome.Relay.Header("Route"), Is.Null);
        Assert.That(outcome.Relay.Header("Record-Route"), Is.EqualTo($"<sip:{ShippedScripts.Us};lr>"));
    }

    [Test]
    public void PreloadedRouteToUs_ThenAnotherRoute_GoesToThatNextHop()
    {
        var invite = SipRequest.Invite("sip:bob@example.com").Route($"sip:{ShippedScripts.Us};lr").Route("sip:192.0.2.30:5070;lr");

        var outcome = _host.Send(invite);

        Assert.That(outcome.Relay.Destination.ToString(), Is.EqualTo("192.0.2.30:5070"));
        Assert.That(outcome.Relay.RequestUri, Is.EqualTo("sip:bob@example.com"));
    }

    [Test]
    public void NewRequestForOurAddress_Is404NotFound()
    {
        var outcome = _host.Send(SipRequest.Invite($"sip:alice@{ShippedScripts.Us}"));

        Assert.That(outcome.Reply.Status, Is.EqualTo(404));
        Assert.That(outcome.Reply.Reason, Is.EqualTo("Not Found"));
        Assert.That(outcome.Relays, Is.Empty);
    }

    [TestCase("INVITE")]
    [TestCase("SUBSCRIBE")]
    [TestCase("REFER")]
    public void DialogCreatingRequests_AreRecordRouted(string method)
    {
        var outcome = _host.Send(SipRequest.Create(method, "sip:bob@example.com"));

        Assert.That(outcome.Relay.Method, Is.EqualTo(method));
        Assert.That(outcome.Relay.HeaderValues("Record-Route"), Is.EqualTo(new[] { $"<sip:{ShippedScripts.Us};lr>" }));
        Assert.That(outcome.Relay.HeaderValues("Via")[0], Does.StartWith($"SIP/2.0/UDP {ShippedScripts.Us};branch=z9hG4bK"));
    }

    [Test]
    public void Invite_GetsTryingUpstream_AndIsRelayedStatefully()
    {
        var outcome = _host.Send(SipRequest.Invite("sip:bob@example.com"));

        Assert.That(outcome.Replies.Select(r => r.Status), Is.EqualTo(new[] { 100 }));
        Assert.That(outcome.Relay.Local, Is.EqualTo($"udp:{ShippedScripts.Us}"));
        Assert.That(_host.Transactions, Is.EqualTo(1));
    }

    [Test]
    public void OtherNewRequests_AreRelayed_WithoutRecordRoute()
    {
        var outcome = _host.Send(SipRequest.Message("sip:bob@example.com").Body("text/plain", "hi"));

        Assert.That(outcome.Relay.Header("Record-Route"), Is.Null);
        Assert.That(outcome.Relay.Body, Is.EqualTo("hi"));
    }

    [Test]
    public void RelayToANameThatDoesNotResolve_Is503UnresolvableDestination()
    {
        var outcome = _host.Send(SipRequest.Message("sip:bob@nowhere.invalid"));

        Assert.That(outcome.Reply.Status, Is.EqualTo(503), outcome.ToString());
        Assert.That(outcome.Reply.Reason, Is.EqualTo("Unresolvable destination"));
        Assert.That(outcome.Relays, Is.Empty);
    }

    [Test]
    public void WholeCall_Invite180200AckBye_ThroughTheProxy()
    {
        var invite = _host.Send(SipRequest.Invite("sip:bob@example.com"));
        var ringing = invite.Relay.Respond(180);
        Assert.That(ringing.Reply.Status, Is.EqualTo(180));

        var ok = invite.Relay.Respond(200);
        Assert.That(ok.Reply.Status, Is.EqualTo(200));
        Assert.That(ok.Reply.Header("Record-Route"), Is.EqualTo($"<sip:{ShippedScripts.Us};lr>"));

        var ack = _host.Send(ok.Reply.Ack());
        Assert.That(ack.Relay.Method, Is.EqualTo("ACK"));
        Assert.That(ack.Relay.Destination.ToString(), Is.EqualTo($"{ShippedScripts.ExampleCom}:5060"));
        Assert.That(ack.Replies, Is.Empty);

        var bye = _host.Send(ok.Reply.InDialog("BYE"));
        Assert.That(bye.Relay.Method, Is.EqualTo("BYE"));
        var byeOk = bye.Relay.Respond(200);
        Assert.That(byeOk.Reply.Status, Is.EqualTo(200));
        Assert.That(byeOk.Reply.CSeq, Is.EqualTo("2 BYE"));
    }
}
