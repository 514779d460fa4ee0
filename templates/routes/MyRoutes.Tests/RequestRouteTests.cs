using NUnit.Framework;
using ScriptedSip.Testing;

namespace MyRoutes.Tests;

/// <summary>scripts/request_route.csx</summary>
public sealed class RequestRouteTests
{
    [Test]
    public void OptionsToTheProxy_IsAnsweredHere()
    {
        using var host = Scripts.Start();

        var outcome = host.Send(SipRequest.Options("sip:127.0.0.1:5060"));

        Assert.That(outcome.Reply.Status, Is.EqualTo(200));
        Assert.That(outcome.Relays, Is.Empty);
    }
}
