using System.Net;
using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Hosting;

/// <summary>Sip:Listen is parsed strictly; a wildcard address needs an advertised one for Via and Record-Route.</summary>
public sealed class ListenAddressTests
{
    [TestCase("udp:1.2.3:5060")]
    [TestCase("udp:1.2.3.4.5:5060")]
    [TestCase("udp:1.2.3.256:5060")]
    [TestCase("udp:127.0.0.01:5060")]
    [TestCase("udp:0x7f.0.0.1:5060")]
    [TestCase("udp:[127.0.0.1]:5060")]
    [TestCase("udp:127.0.0.1:65536")]
    [TestCase("udp:127.0.0.1:+5060")]
    [TestCase("udp:localhost:5060")]
    public void NotFourDottedPartsOrBracketedIPv6_ExitCode2(string listen)
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", "return;");

        var outcome = BuildOutcome.Of(deployment, $"--Sip:Listen:0={listen}");

        Assert.That(outcome.ExitCode, Is.EqualTo(2));
        Assert.That(outcome.ErrorLines, Is.EqualTo(new[] { $"error: Sip:Listen:0: '{listen}' is not udp:IP:PORT [advertise HOST:PORT] (IPv6 as udp:[::1]:5060)" }));
    }

    [TestCase("udp:0.0.0.0:5060")]
    [TestCase("udp:[::]:5060")]
    public void WildcardWithoutAdvertise_ExitCode2_SaysWhatToAdd(string listen)
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", "return;");

        var outcome = BuildOutcome.Of(deployment, $"--Sip:Listen:0={listen}");

        Assert.That(outcome.ExitCode, Is.EqualTo(2));
        Assert.That(outcome.ErrorLines, Has.Count.EqualTo(1));
        Assert.That(outcome.ErrorLines[0], Does.StartWith($"error: Sip:Listen:0: '{listen}' listens on every address: add the address to put in Via and Record-Route, e.g. '{listen} advertise "));
    }

    [Test]
    public void BadAdvertisedAddress_ExitCode2_NamesIt()
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", "return;");

        var outcome = BuildOutcome.Of(deployment, "--Sip:Listen:0=udp:0.0.0.0:5060 advertise 203.0.113:5060");

        Assert.That(outcome.ExitCode, Is.EqualTo(2));
        Assert.That(outcome.ErrorLines, Is.EqualTo(new[] { "error: Sip:Listen:0: 'udp:0.0.0.0:5060 advertise 203.0.113:5060': advertise 203.0.113:5060: expected HOST:PORT (IPv4, [IPv6] or a DNS name, and a port 1..65535)" }));
    }

    [Test]
    public void WildcardWithAdvertise_Binds0000_ViaAndRecordRouteUseTheAdvertisedAddress()
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", "return;");

        var outcome = BuildOutcome.Of(deployment, "--Sip:Listen:0=udp:0.0.0.0:5060 advertise 203.0.113.7:5080", "--Sip:Listen:1=udp:[::1]:5062");

        Assert.That(outcome.ErrorLines, Is.Empty);
        var listen = outcome.Settings!.Listen;
        Assert.That(listen[0].EndPoint, Is.EqualTo(new IPEndPoint(IPAddress.Any, 5060)), "the socket binds the real address");
        Assert.That(listen[0].HostPort, Is.EqualTo("203.0.113.7:5080"), "what Via and Record-Route carry");
        Assert.That(listen[0].ToString(), Is.EqualTo("udp:0.0.0.0:5060 advertise 203.0.113.7:5080"));
        Assert.That(listen[1].Advertised, Is.Null);
        Assert.That(listen[1].HostPort, Is.EqualTo("[::1]:5062"));
    }
}
