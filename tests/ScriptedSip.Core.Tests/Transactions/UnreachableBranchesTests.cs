using System.Net;
using System.Text;
using ScriptedSip.Core.Transactions;

namespace ScriptedSip.Core.Tests.Transactions;

/// <summary>
/// Reading our branch out of the beginning of a datagram that bounced (what an ICMP error quotes),
/// and the address comparison that keeps a bounce from ending a branch to somewhere else.
/// </summary>
public sealed class UnreachableBranchesTests
{
    [TestCase("INVITE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1f.2a.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKx\r\n", "z9hG4bK1f.2a.0")]
    [TestCase("OPTIONS sip:x SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bK3.4.1;rport\r\n", "z9hG4bK3.4.1")]
    [TestCase("MESSAGE sip:x SIP/2.0\r\nRecord-Route: <sip:a;lr>\r\nVIA : SIP/2.0/UDP h;branch=z9hG4bK5.6.2\r\n", "z9hG4bK5.6.2")]
    [TestCase("INVITE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK7.8.3", "z9hG4bK7.8.3", Description = "cut right after the branch")]
    public void TopViaBranch_IsRead(string datagram, string expected)
    {
        Assert.That(UnreachableBranches.TryReadTopViaBranch(Encoding.ASCII.GetBytes(datagram), out var branch), Is.True);
        Assert.That(Encoding.ASCII.GetString(branch), Is.EqualTo(expected));
    }

    [TestCase("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1.2.0\r\n", Description = "a reply we sent upstream")]
    [TestCase("INVITE sip:x SIP/2.0\r\nFrom: <sip:a>\r\n\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1.2.0\r\n", Description = "no Via in the header section")]
    [TestCase("INVITE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h;rport\r\n", Description = "a Via without branch")]
    [TestCase("INVITE sip:bob@127.0.0.1 SIP", Description = "cut inside the request line")]
    [TestCase("", Description = "nothing quoted")]
    public void NoBranch_IsNotGuessed(string datagram) =>
        Assert.That(UnreachableBranches.TryReadTopViaBranch(Encoding.ASCII.GetBytes(datagram), out _), Is.False);

    [TestCase("127.0.0.1", 5080, "127.0.0.1", 5080, true)]
    [TestCase("127.0.0.1", 5080, "127.0.0.1", 5081, false)]
    [TestCase("127.0.0.1", 5080, "127.0.0.2", 5080, false)]
    [TestCase("::1", 5080, "::1", 5080, true)]
    [TestCase("::1", 5080, "::2", 5080, false)]
    [TestCase("::ffff:127.0.0.1", 5080, "127.0.0.1", 5080, false, Description = "another family")]
    public void SameAddress_ComparesFamilyPortAndIp(string a, int portA, string b, int portB, bool same) =>
        Assert.That(UnreachableBranches.SameAddress(new IPEndPoint(IPAddress.Parse(a), portA).Serialize(), new IPEndPoint(IPAddress.Parse(b), portB).Serialize()), Is.EqualTo(same));

    [Test]
    public void SameAddress_IgnoresTheIpv6ScopeAndFlow()
    {
        var plain = new IPEndPoint(IPAddress.Parse("fe80::1"), 5060).Serialize();
        var scoped = new IPEndPoint(IPAddress.Parse("fe80::1%1"), 5060).Serialize();
        Assert.That(UnreachableBranches.SameAddress(plain, scoped), Is.True);
    }
}
