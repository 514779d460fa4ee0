using System.Net;
using ScriptedSip.Core.Transport;

namespace ScriptedSip.Core.Tests.Transport;

public sealed class ListenEndpointTests
{
    [TestCase("udp:127.0.0.1:5060", "127.0.0.1", 5060)]
    [TestCase("UDP:10.0.0.254:0", "10.0.0.254", 0)]
    [TestCase("  udp:192.168.1.10:65535  ", "192.168.1.10", 65535)]
    [TestCase("udp:[::1]:5060", "::1", 5060)]
    [TestCase("udp:[2001:db8::7]:5070", "2001:db8::7", 5070)]
    public void ValidAddress_BindsIt_AndViaUsesIt(string text, string address, int port)
    {
        Assert.That(ListenEndpoint.TryParse(text, out var endpoint, out var error), Is.True, error);
        Assert.That(endpoint!.EndPoint, Is.EqualTo(new IPEndPoint(IPAddress.Parse(address), port)));
        Assert.That(endpoint.Advertised, Is.Null);
        Assert.That(endpoint.HostPort, Is.EqualTo(endpoint.BoundHostPort));
    }

    [TestCase("udp:1.2.3:5060", Description = "IPAddress.TryParse reads this as 1.2.0.3")]
    [TestCase("udp:1:5060")]
    [TestCase("udp:1.2.3.4.5:5060")]
    [TestCase("udp:1.2.3.256:5060")]
    [TestCase("udp:01.2.3.4:5060", Description = "octal to some tools, decimal to others")]
    [TestCase("udp:0x7f.0.0.1:5060")]
    [TestCase("udp:1.2.3.4:")]
    [TestCase("udp:1.2.3.4")]
    [TestCase("udp:1.2.3.4:70000")]
    [TestCase("udp:1.2.3.4:-1")]
    [TestCase("udp:[::1]")]
    [TestCase("udp:::1:5060")]
    [TestCase("udp:[1.2.3.4]:5060")]
    [TestCase("udp:[::1]:5060:1")]
    [TestCase("udp:example.com:5060")]
    [TestCase("udp:127.0.0.1:5060 advertise")]
    [TestCase("udp:127.0.0.1:5060 announce 1.2.3.4:5060")]
    [TestCase("udp:127.0.0.1:5060 advertise 1.2.3.4:5060 extra")]
    public void Malformed_Rejected(string text)
    {
        Assert.That(ListenEndpoint.TryParse(text, out var endpoint, out var error), Is.False);
        Assert.That(endpoint, Is.Null);
        Assert.That(error, Does.Contain("udp:IP:PORT"));
    }

    [TestCase("udp:0.0.0.0:5060 advertise 203.0.113.7:5060", "0.0.0.0", 5060, "203.0.113.7:5060")]
    [TestCase("udp:0.0.0.0:5060 ADVERTISE sip.example.com:5080", "0.0.0.0", 5060, "sip.example.com:5080")]
    [TestCase("udp:[::]:5060 advertise [2001:db8::1]:5060", "::", 5060, "[2001:db8::1]:5060")]
    [TestCase("udp:10.0.0.5:5060  advertise  198.51.100.2:5060", "10.0.0.5", 5060, "198.51.100.2:5060")]
    public void Advertise_BindsTheRealAddress_ViaUsesTheAdvertisedOne(string text, string address, int port, string advertised)
    {
        Assert.That(ListenEndpoint.TryParse(text, out var endpoint, out var error), Is.True, error);
        Assert.That(endpoint!.EndPoint, Is.EqualTo(new IPEndPoint(IPAddress.Parse(address), port)));
        Assert.That(endpoint.Advertised, Is.EqualTo(advertised));
        Assert.That(endpoint.HostPort, Is.EqualTo(advertised));
        Assert.That(endpoint.ToString(), Is.EqualTo($"udp:{endpoint.BoundHostPort} advertise {advertised}"));
    }

    [TestCase("udp:0.0.0.0:5060 advertise 203.0.113.7")]
    [TestCase("udp:0.0.0.0:5060 advertise 203.0.113.7:0")]
    [TestCase("udp:0.0.0.0:5060 advertise 203.0.113:5060")]
    [TestCase("udp:0.0.0.0:5060 advertise -bad-.example:5060")]
    [TestCase("udp:0.0.0.0:5060 advertise [::1:5060")]
    public void BadAdvertisedAddress_Rejected(string text)
    {
        Assert.That(ListenEndpoint.TryParse(text, out _, out var error), Is.False);
        Assert.That(error, Does.Contain("expected HOST:PORT"));
    }

    [TestCase("udp:0.0.0.0:5060 advertise 0.0.0.0:5060")]
    [TestCase("udp:[::]:5060 advertise [::]:5060")]
    public void WildcardAdvertised_Rejected(string text)
    {
        Assert.That(ListenEndpoint.TryParse(text, out _, out var error), Is.False);
        Assert.That(error, Does.Contain("is a wildcard address"));
    }

    [TestCase("udp:0.0.0.0:5060")]
    [TestCase("udp:[::]:5060")]
    public void WildcardWithoutAdvertise_Rejected(string text)
    {
        Assert.That(ListenEndpoint.TryParse(text, out _, out var error), Is.False);
        Assert.That(error, Does.Contain("listens on every address"));
    }
}
