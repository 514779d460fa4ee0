using System.Text;
using ScriptedSip.Core.Parsing;

namespace ScriptedSip.Core.Tests.Parsing;

[TestFixture]
public sealed class SipUriParserTests
{
    private static string Text(string uri, Segment s) => uri.Substring(s.Start, s.Length);

    [Test]
    public void TryParse_FullSipUri_SplitsEveryPart()
    {
        const string uri = "sips:alice:secret@atlanta.example.com:5061;transport=tcp;lr;maddr=239.255.255.1?subject=project";

        Assert.That(SipUriParser.TryParse(Encoding.ASCII.GetBytes(uri), out var u), Is.True);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Text(uri, u.Scheme), Is.EqualTo("sips"));
            Assert.That(u.IsSip, Is.True);
            Assert.That(u.IsSecure, Is.True);
            Assert.That(Text(uri, u.User), Is.EqualTo("alice"));
            Assert.That(Text(uri, u.Password), Is.EqualTo("secret"));
            Assert.That(Text(uri, u.Host), Is.EqualTo("atlanta.example.com"));
            Assert.That(u.Port, Is.EqualTo(5061));
            Assert.That(Text(uri, u.Params), Is.EqualTo("transport=tcp;lr;maddr=239.255.255.1"));
            Assert.That(Text(uri, u.Transport), Is.EqualTo("tcp"));
            Assert.That(u.HasLr, Is.True);
            Assert.That(Text(uri, u.Maddr), Is.EqualTo("239.255.255.1"));
            Assert.That(Text(uri, u.Headers), Is.EqualTo("subject=project"));
        }
    }

    [Test]
    public void TryParse_HostOnly_HasNoUserNoPort()
    {
        const string uri = "sip:example.com";

        Assert.That(SipUriParser.TryParse(Encoding.ASCII.GetBytes(uri), out var u), Is.True);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(u.User.IsEmpty, Is.True);
            Assert.That(Text(uri, u.Host), Is.EqualTo("example.com"));
            Assert.That(u.Port, Is.EqualTo(-1));
            Assert.That(u.HasLr, Is.False);
        }
    }

    [TestCase("sip:[2001:db8::10]", "[2001:db8::10]", -1)]
    [TestCase("sip:[2001:db8::10]:5070", "[2001:db8::10]", 5070)]
    [TestCase("sip:user@[::ffff:192.0.2.2];lr", "[::ffff:192.0.2.2]", -1)]
    [TestCase("SIP:USER@HOST.EXAMPLE:1", "HOST.EXAMPLE", 1)]
    public void TryParse_Hosts_KeepBracketsAndSplitPort(string uri, string host, int port)
    {
        Assert.That(SipUriParser.TryParse(Encoding.ASCII.GetBytes(uri), out var u), Is.True);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Text(uri, u.Host), Is.EqualTo(host));
            Assert.That(u.Port, Is.EqualTo(port));
        }
    }

    [Test]
    public void TryParse_TelUri_ReadsNumberAndParams()
    {
        const string uri = "tel:+1-201-555-0123;phone-context=example.com";

        Assert.That(SipUriParser.TryParse(Encoding.ASCII.GetBytes(uri), out var u), Is.True);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Text(uri, u.Scheme), Is.EqualTo("tel"));
            Assert.That(u.IsSip, Is.False);
            Assert.That(Text(uri, u.User), Is.EqualTo("+1-201-555-0123"));
            Assert.That(Text(uri, u.Params), Is.EqualTo("phone-context=example.com"));
            Assert.That(u.Host.IsEmpty, Is.True);
        }
    }

    [TestCase("nobodyKnowsThisScheme:totallyopaquecontent", "nobodyKnowsThisScheme")]
    [TestCase("soap.beep://192.0.2.103:3002", "soap.beep")]
    [TestCase("isbn:2983792873", "isbn")]
    public void TryParse_OtherScheme_IsAcceptedOpaquely(string uri, string scheme)
    {
        Assert.That(SipUriParser.TryParse(Encoding.ASCII.GetBytes(uri), out var u), Is.True);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Text(uri, u.Scheme), Is.EqualTo(scheme));
            Assert.That(u.IsSip, Is.False);
            Assert.That(Text(uri, u.Opaque), Is.EqualTo(uri[(scheme.Length + 1)..]));
        }
    }

    [TestCase("")]
    [TestCase("sip:")]
    [TestCase("example.com")]
    [TestCase("<sip:a@b>")]
    [TestCase("sip:a@b c")]
    [TestCase("sip:2001:db8::10")]
    [TestCase("sip:@host")]
    [TestCase("sip:a@b@c")]
    [TestCase("sip:host:99999")]
    [TestCase("sip:host:")]
    [TestCase("sip:host;")]
    [TestCase("sip:host;=x")]
    [TestCase("sip:host?")]
    [TestCase("sip:[2001:db8::1")]
    [TestCase("sip:[]")]
    [TestCase("sip:[zz::1]")]
    [TestCase("sip:host>")]
    [TestCase("1sip:host")]
    [TestCase("tel:")]
    [TestCase("tel:;x=1")]
    public void TryParse_Malformed_ReturnsFalse(string uri)
    {
        Assert.That(SipUriParser.TryParse(Encoding.ASCII.GetBytes(uri), out _), Is.False);
    }

    [Test]
    public void TryParse_UserWithSemicolonAndEscapes_KeepsThemInUser()
    {
        const string uri = "sip:user;par=u%40example.net@example.com";

        Assert.That(SipUriParser.TryParse(Encoding.ASCII.GetBytes(uri), out var u), Is.True);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Text(uri, u.User), Is.EqualTo("user;par=u%40example.net"));
            Assert.That(u.Params.IsEmpty, Is.True);
        }
    }
}
