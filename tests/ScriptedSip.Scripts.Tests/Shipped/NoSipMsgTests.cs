namespace ScriptedSip.Scripts.Tests.Shipped;

/// <summary>Every branch of the shipped scripts/nosip_msg.csx (the resume itself: <see cref="ResumeTests"/>).</summary>
public sealed class NoSipMsgTests
{
    private RouteTestHost _host = null!;

    [SetUp]
    public void StartHost() => _host = ShippedScripts.Start();

    [TearDown]
    public void StopHost() => _host.Dispose();

    [Test]
    public void EveryPacket_IsLogged_WithContentAndSender()
    {
        var outcome = _host.SendDatagram("hello there, this is not SIP at all", from: "127.0.0.1:9");

        Assert.That(outcome.Xlog[0].Text, Is.EqualTo("non-sip packet received - content [hello there, this is not SIP at all] from [127.0.0.1:9]"));
    }

    [Test]
    public void UntrustedSender_IsIgnored_EvenWithAValidResume()
    {
        var outcome = _host.SendDatagram(":KREQUEST-RESUME-TRANSACTION:1:2:RESUME:", from: "192.0.2.50:9");

        Assert.That(outcome.Xlog, Has.Count.EqualTo(1));
        Assert.That(outcome.Dropped, Is.True);
        Assert.That(_host.Counters[ScriptedSip.Core.Stats.SipCounter.ResumeFailures], Is.Zero, "TContinue was not even tried");
    }

    [Test]
    public void TrustedSender_NotAResume_IsWarnedAbout()
    {
        var outcome = _host.SendDatagram("status please, and nothing else at all", from: "127.0.0.1:9");

        Assert.That(outcome.Xlog.Select(l => l.Text), Does.Contain("not a resume message; ignored"));
        Assert.That(outcome.Xlog[^1].Level, Is.EqualTo(Microsoft.Extensions.Logging.LogLevel.Warning));
        Assert.That(outcome.Dropped, Is.True);
    }

    [Test]
    public void ResumeOfAnUnknownTransaction_IsWarnedAbout()
    {
        var outcome = _host.SendDatagram(":KREQUEST-RESUME-TRANSACTION:4242:8686:RESUME:", from: "127.0.0.1:9");

        Assert.That(outcome.Xlog.Select(l => l.Text), Does.Contain("resume of 4242:8686 in route RESUME failed"));
        Assert.That(outcome.Dropped, Is.True);
    }

    [Test]
    public void PacketsUnderTheSizeGate_NeverReachTheRoute()
    {
        var outcome = _host.SendDatagram("keep-alive", from: "127.0.0.1:9");

        Assert.That(outcome.Log, Is.Empty);
        Assert.That(_host.Counters[ScriptedSip.Core.Stats.SipCounter.TooSmall], Is.EqualTo(1));
    }

    [Test]
    public void NothingIsEverSentBack_ForANonSipPacket()
    {
        var outcome = _host.SendDatagram(":KREQUEST-RESUME-TRANSACTION:x:y:RESUME:", from: "127.0.0.1:9");

        Assert.That(outcome.Sent, Is.Empty);
        Assert.That(outcome.ScriptErrors, Is.Empty);
    }
}
