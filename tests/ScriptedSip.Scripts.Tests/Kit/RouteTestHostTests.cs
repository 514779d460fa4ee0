using ScriptedSip.Scripts.Tests.Infrastructure;

namespace ScriptedSip.Scripts.Tests.Kit;

/// <summary>The kit plays the network and the clock: suspends and resumes, timers, failure routes, CANCEL.</summary>
public sealed class RouteTestHostTests
{
    private ScriptFolder _scripts = null!;
    private RouteTestHost _host = null!;

    [OneTimeSetUp]
    public void WriteScripts() => _scripts = new ScriptFolder("kit")
        .With("request_route.csx", KitScripts.RequestRoute)
        .With("LATER.csx", KitScripts.Later)
        .With("NEXT.csx", KitScripts.Next)
        .With("nosip_msg.csx", KitScripts.NoSip)
        .With("RESUMED.csx", KitScripts.Resumed);

    [OneTimeTearDown]
    public void RemoveScripts() => _scripts.Dispose();

    [SetUp]
    public void StartHost() => _host = RouteTestHost.Start(new RouteTestOptions(_scripts.Path).WithHost("example.com", "192.0.2.20"));

    [TearDown]
    public void StopHost() => _host.Dispose();

    [Test]
    public void Suspend_ThenNoSipResume_RunsTheResumedRoute_WhichRelays()
    {
        var invite = _host.Send(SipRequest.Invite("sip:bob@example.com").Header("X-Mode", "suspend"));
        var parked = invite.Suspension;
        Assert.That(invite.Xlog.Single().Text, Is.EqualTo($"parked {parked.Index}:{parked.Label}"));
        Assert.That(invite.Relays, Is.Empty);

        var resumed = _host.SendDatagram($"{parked.Index}:{parked.Label}:RESUMED:padding-to-pass-the-size-gate", from: "127.0.0.1:9");

        Assert.That(resumed.Xlog.Select(l => l.Text), Is.EqualTo(new[] { "resumed" }));
        Assert.That(resumed.Relay.Method, Is.EqualTo("INVITE"));
        Assert.That(_host.Suspended, Is.Empty);
    }

    [Test]
    public void AsyncRoute_RunsExactlyAtItsDelay_NotBefore()
    {
        var invite = _host.Send(SipRequest.Invite("sip:bob@example.com").Header("X-Mode", "async"));
        Assert.That(invite.Suspension.Method, Is.EqualTo("INVITE"));

        var early = _host.Advance(TimeSpan.FromSeconds(3) - TimeSpan.FromMilliseconds(10));
        Assert.That(early.Relays, Is.Empty, early.ToString());
        Assert.That(early.Xlog, Is.Empty);

        var due = _host.Advance(TimeSpan.FromMilliseconds(10));
        Assert.That(due.Xlog.Select(l => l.Text), Is.EqualTo(new[] { "later" }));
        Assert.That(due.Relay.Method, Is.EqualTo("INVITE"));
    }

    [Test]
    public void AwaitedSleep_ContinuesAtItsTime_OnTheFakeClock()
    {
        var invite = _host.Send(SipRequest.Invite("sip:bob@example.com").Header("X-Mode", "sleep"));
        Assert.That(invite.Xlog.Select(l => l.Text), Is.EqualTo(new[] { "before sleep" }));
        Assert.That(invite.Suspension.Awaiting, Is.True);

        Assert.That(_host.Advance(TimeSpan.FromMilliseconds(1990)).Xlog, Is.Empty);
        var woken = _host.Advance(TimeSpan.FromMilliseconds(10));

        Assert.That(woken.Xlog.Select(l => l.Text), Is.EqualTo(new[] { "after sleep" }));
        Assert.That(woken.Relay.Method, Is.EqualTo("INVITE"));
    }

    [Test]
    public void ContinuationPostedToTheWorker_HasRunWhenSendReturns()
    {
        var outcome = _host.Send(SipRequest.Message("sip:bob@example.com").Header("X-Mode", "yield"));

        Assert.That(outcome.Xlog.Select(l => l.Text), Is.EqualTo(new[] { "after yield" }));
        Assert.That(outcome.Relay.Method, Is.EqualTo("MESSAGE"));
    }

    [Test]
    public void Respond486_RunsTheFailureRoute_WhichRelaysToTheNextHop()
    {
        var first = _host.Send(SipRequest.Invite("sip:bob@example.com").Header("X-Mode", "failover")).Relay;

        var busy = first.Respond(486);

        Assert.That(busy.Xlog.Select(l => l.Text), Is.EqualTo(new[] { "failed with 486; trying the backup" }));
        Assert.That(busy.RelayOf("ACK").Destination.ToString(), Is.EqualTo("192.0.2.20:5060"), "the 486 is acknowledged hop by hop");
        var next = busy.RelayOf("INVITE");
        Assert.That(next.Destination.ToString(), Is.EqualTo("192.0.2.30:5060"));
        Assert.That(busy.Replies, Is.Empty, "the caller hears nothing of the first failure");

        var ok = next.Respond(200);
        Assert.That(ok.Reply.Status, Is.EqualTo(200));
    }

    [Test]
    public void NoAnswer_Is408_WhenTheFrTimerExpires()
    {
        _host.Send(SipRequest.Message("sip:bob@example.com"));

        Assert.That(_host.Advance(TimeSpan.FromSeconds(29.99)).Replies, Is.Empty);
        var timeout = _host.Advance(TimeSpan.FromSeconds(0.01));

        Assert.That(timeout.Reply.Status, Is.EqualTo(408));
        Assert.That(timeout.Reply.Destination.ToString(), Is.EqualTo("192.0.2.10:5060"));
    }

    [Test]
    public void CancelOfARingingCall_IsPassedOn_And487EndsTheInvite()
    {
        var request = SipRequest.Invite("sip:bob@example.com");
        var relay = _host.Send(request).Relay;
        Assert.That(relay.Respond(180).Reply.Status, Is.EqualTo(180));

        var cancel = _host.Send(request.ToCancel());

        Assert.That(cancel.Reply.Status, Is.EqualTo(200), "the CANCEL itself is answered here");
        Assert.That(cancel.Reply.CSeqMethod, Is.EqualTo("CANCEL"));
        var downstream = cancel.RelayOf("CANCEL");
        Assert.That(downstream.Header("Via"), Is.EqualTo(relay.Header("Via")), "a CANCEL goes with the branch of the INVITE it cancels");

        downstream.Respond(200);
        var terminated = relay.Respond(487);
        Assert.That(terminated.Reply.Status, Is.EqualTo(487));
        Assert.That(terminated.RelayOf("ACK").Destination, Is.EqualTo(relay.Destination));

        var ack = _host.Send(request.ToAck(terminated.Reply));
        Assert.That(ack.Sent, Is.Empty, "the ACK of the 487 ends at the proxy");
    }

    [Test]
    public void ScriptThatThrows_Is500_WithTheServersErrorLine()
    {
        var outcome = _host.Send(SipRequest.Message("sip:bob@example.com").Header("X-Mode", "throw"));

        Assert.That(outcome.Reply.Status, Is.EqualTo(500));
        var error = outcome.ScriptErrors.Single();
        Assert.That(error.Route, Is.EqualTo("request_route"));
        Assert.That(error.Location, Does.Match(@"request_route\.csx\(\d+"));
        Assert.That(error.Exception, Is.TypeOf<InvalidOperationException>());
    }

    [Test]
    public void Drop_SendsNothing()
    {
        var outcome = _host.Send(SipRequest.Message("sip:bob@example.com").Header("X-Mode", "drop"));

        Assert.That(outcome.Dropped, Is.True, outcome.ToString());
    }

    [Test]
    public void RetransmittedInvite_IsAbsorbed_ByTheTransaction()
    {
        var request = SipRequest.Invite("sip:bob@example.com");
        _host.Send(request);

        var again = _host.Send(request);

        Assert.That(again.Relays, Is.Empty);
        Assert.That(again.Replies.Select(r => r.Status), Is.EqualTo(new[] { 100 }), "the last reply is sent again");
    }

    [Test]
    public void RelayedRequest_CarriesOurViaOnTop_AndTheSendersBelow()
    {
        var relay = _host.Send(SipRequest.Invite("sip:bob@example.com"), from: "198.51.100.7:5090").Relay;

        var vias = relay.HeaderValues("Via");
        Assert.That(vias, Has.Count.EqualTo(2));
        Assert.That(vias[0], Does.StartWith("SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK"));
        Assert.That(vias[1], Does.StartWith("SIP/2.0/UDP 198.51.100.7:5090;branch="));
        Assert.That(relay.Respond(180).Reply.Destination.ToString(), Is.EqualTo("198.51.100.7:5090"));
    }

    [Test]
    public void RawText_IsSentExactlyAsWritten()
    {
        const string options = "OPTIONS sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-raw1\r\n" +
            "Max-Forwards: 70\r\nFrom: <sip:a@example.org>;tag=1\r\nTo: <sip:bob@example.com>\r\nCall-ID: raw-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";

        var outcome = _host.Send(options);

        Assert.That(outcome.Relay.CallId, Is.EqualTo("raw-1"));
    }

    [Test]
    public void ATransportOtherThanUdp_IsRefusedClearly()
    {
        var error = Assert.Throws<NotSupportedException>(() => _host.Send(SipRequest.Options("sip:bob@example.com"), transport: "tcp"));

        Assert.That(error!.Message, Does.Contain("UDP only"));
    }

    [Test]
    public void AnAddressWithoutPort_IsRefusedClearly()
    {
        var error = Assert.Throws<ArgumentException>(() => _host.Send(SipRequest.Options("sip:bob@example.com"), from: "192.0.2.10"));

        Assert.That(error!.Message, Does.Contain("is not an address with a port"));
    }
}
