using NUnit.Framework;
using ScriptedSip.Testing;

namespace MyRoutes.Tests;

/// <summary>scripts/nosip_msg.csx</summary>
public sealed class NoSipMsgTests
{
    [Test]
    public void ResumeOfAnUnknownTransaction_SendsNothing_AndIsLogged()
    {
        using var host = Scripts.Start();

        var outcome = host.SendDatagram(":KREQUEST-RESUME-TRANSACTION:4242:8686:RESUME:", from: "127.0.0.1:9");

        Assert.That(outcome.Sent, Is.Empty);
        Assert.That(outcome.Xlog, Is.Not.Empty);
        Assert.That(outcome.ScriptErrors, Is.Empty);
    }
}
