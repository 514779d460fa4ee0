using System.Net;
using ScriptedSip.Core.Transport;

namespace ScriptedSip.Core.Tests.Transport;

/// <summary>The source IP as text ($si): right for every address, one string for a peer seen again.</summary>
public sealed class SocketAddressTextTests
{
    [TestCase("127.0.0.1", 5060)]
    [TestCase("10.20.30.40", 1)]
    [TestCase("255.255.255.255", 65535)]
    [TestCase("::1", 5060)]
    [TestCase("2001:db8::5", 5061)]
    public void Ip_IsTheAddressAsText(string ip, int port)
    {
        var address = new IPEndPoint(IPAddress.Parse(ip), port).Serialize();

        Assert.That(SocketAddressText.Ip(address), Is.EqualTo(IPAddress.Parse(ip).ToString()));
        Assert.That(SocketAddressText.Port(address), Is.EqualTo(port));
    }

    [Test]
    public void Ip_TheSamePeerAgain_IsTheSameString_AnotherPeerIsItsOwn()
    {
        var first = SocketAddressText.Ip(new IPEndPoint(IPAddress.Parse("127.0.0.1"), 5070).Serialize());
        var again = SocketAddressText.Ip(new IPEndPoint(IPAddress.Parse("127.0.0.1"), 5080).Serialize());
        var other = SocketAddressText.Ip(new IPEndPoint(IPAddress.Parse("127.0.0.12"), 5070).Serialize());
        var shorter = SocketAddressText.Ip(new IPEndPoint(IPAddress.Parse("127.0.0.1"), 5070).Serialize());

        Assert.That(again, Is.SameAs(first));
        Assert.That(other, Is.EqualTo("127.0.0.12"));
        Assert.That(shorter, Is.EqualTo("127.0.0.1"));
    }
}
