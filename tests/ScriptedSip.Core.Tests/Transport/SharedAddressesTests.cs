using System.Net;
using ScriptedSip.Core.Transport;

namespace ScriptedSip.Core.Tests.Transport;

/// <summary>Addresses a thread hands out again for the same peer: the same object for the same peer, never a wrong one.</summary>
public sealed class SharedAddressesTests
{
    [Test]
    public void CopyOf_IsIndependentOfTheReceiveBuffer_AndSharedForTheSamePeer()
    {
        var buffer = new IPEndPoint(IPAddress.Parse("127.0.0.1"), 5070).Serialize();
        var first = SharedAddresses.CopyOf(buffer);

        // The next datagram comes from another peer into the same buffer.
        var other = new IPEndPoint(IPAddress.Parse("127.0.0.2"), 5071).Serialize();
        other.Buffer.Span[..other.Size].CopyTo(buffer.Buffer.Span);
        var second = SharedAddresses.CopyOf(buffer);

        Assert.That(first, Is.EqualTo(new IPEndPoint(IPAddress.Parse("127.0.0.1"), 5070).Serialize()), "the first copy kept its peer");
        Assert.That(second, Is.EqualTo(other));
        Assert.That(second, Is.Not.SameAs(first));
        Assert.That(SharedAddresses.CopyOf(buffer), Is.SameAs(second), "the same peer again: the same object");
    }

    [Test]
    public void Of_TheSameIPv4Hop_IsTheSameObject_AnotherPortOrAddressIsItsOwn()
    {
        var hop = SharedAddresses.Of(new IPEndPoint(IPAddress.Parse("127.0.0.1"), 5080));
        var again = SharedAddresses.Of(new IPEndPoint(IPAddress.Parse("127.0.0.1"), 5080));
        var otherPort = SharedAddresses.Of(new IPEndPoint(IPAddress.Parse("127.0.0.1"), 5081));
        var otherAddress = SharedAddresses.Of(new IPEndPoint(IPAddress.Parse("127.0.0.3"), 5081));

        Assert.That(again, Is.SameAs(hop));
        Assert.That(otherPort, Is.EqualTo(new IPEndPoint(IPAddress.Parse("127.0.0.1"), 5081).Serialize()));
        Assert.That(otherAddress, Is.EqualTo(new IPEndPoint(IPAddress.Parse("127.0.0.3"), 5081).Serialize()));
        Assert.That(hop, Is.EqualTo(new IPEndPoint(IPAddress.Parse("127.0.0.1"), 5080).Serialize()), "handed out earlier, never changed since");
    }

    [TestCase("::1", 0L)]
    [TestCase("fe80::1", 3L)]
    public void Of_IPv6_IsTheEndPointWithItsScope(string ip, long scope)
    {
        var address = IPAddress.Parse(ip);
        address.ScopeId = scope;
        var endPoint = new IPEndPoint(address, 5060);

        Assert.That(SharedAddresses.Of(endPoint), Is.EqualTo(endPoint.Serialize()));
    }
}
