using System.Text;
using ScriptedSip.Core.Parsing;

namespace ScriptedSip.Core.Tests.Parsing;

[TestFixture]
public sealed class SipMessageTests
{
    private readonly SipMessage _msg = new();

    [Test]
    public void Parse_TypicalInvite_ExposesStartLineAndMandatoryHeaders()
    {
        Assert.That(_msg.Parse(SampleMessages.Invite), Is.EqualTo(SipParseStatus.Ok));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_msg.Error, Is.Null);
            Assert.That(_msg.IsRequest, Is.True);
            Assert.That(_msg.Method, Is.EqualTo(SipMethod.Invite));
            Assert.That(_msg.GetString(_msg.MethodToken), Is.EqualTo("INVITE"));
            Assert.That(_msg.GetString(_msg.RequestUri), Is.EqualTo("sip:bob@biloxi.example.com"));
            Assert.That(_msg.GetString(_msg.CallId), Is.EqualTo("a84b4c76e66710@pc33.atlanta.example.com"));
            Assert.That(_msg.CSeqNumber, Is.EqualTo(314159u));
            Assert.That(_msg.CSeqMethodKind, Is.EqualTo(SipMethod.Invite));
            Assert.That(_msg.GetString(_msg.TopVia.Transport), Is.EqualTo("UDP"));
            Assert.That(_msg.GetString(_msg.TopVia.Host), Is.EqualTo("pc33.atlanta.example.com"));
            Assert.That(_msg.TopVia.Port, Is.EqualTo(5060));
            Assert.That(_msg.GetString(_msg.TopVia.Branch), Is.EqualTo("z9hG4bK776asdhds"));
            Assert.That(_msg.TopVia.HasRport, Is.True);
            Assert.That(_msg.TopVia.Rport, Is.EqualTo(-1));
            Assert.That(_msg.ViaCount, Is.EqualTo(1));
            Assert.That(_msg.GetString(_msg.From.DisplayName), Is.EqualTo("Alice"));
            Assert.That(_msg.GetString(_msg.From.Uri), Is.EqualTo("sip:alice@atlanta.example.com"));
            Assert.That(_msg.GetString(_msg.From.Tag), Is.EqualTo("1928301774"));
            Assert.That(_msg.To.Tag.IsEmpty, Is.True);
            Assert.That(_msg.MaxForwards, Is.EqualTo(70));
            Assert.That(_msg.ContentLength, Is.EqualTo(4));
            Assert.That(_msg.GetString(_msg.Body), Is.EqualTo("v=0\n"));
            Assert.That(_msg.HeaderSectionEnd, Is.EqualTo(_msg.Buffer.Length - 4));
            Assert.That(_msg.HeaderCount, Is.EqualTo(9));
        }
    }

    [Test]
    public void Parse_Response_UsesCSeqMethodAndReadsReason()
    {
        var text = "SIP/2.0 180 Ringing\r\n" +
                   "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKx;received=198.51.100.7;rport=5062\r\n" +
                   "To: <sip:bob@b.example>;tag=abc\r\nFrom: <sip:alice@a.example>;tag=def\r\n" +
                   "Call-ID: r1\r\nCSeq: 7 INVITE\r\nContent-Length: 0\r\n\r\n";

        Assert.That(_msg.Parse(SampleMessages.Bytes(text)), Is.EqualTo(SipParseStatus.Ok));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_msg.IsRequest, Is.False);
            Assert.That(_msg.StatusCode, Is.EqualTo(180));
            Assert.That(_msg.GetString(_msg.Reason), Is.EqualTo("Ringing"));
            Assert.That(_msg.Method, Is.EqualTo(SipMethod.Invite));
            Assert.That(_msg.MethodToken.IsEmpty, Is.True);
            Assert.That(_msg.GetString(_msg.TopVia.Received), Is.EqualTo("198.51.100.7"));
            Assert.That(_msg.TopVia.Rport, Is.EqualTo(5062));
            Assert.That(_msg.GetString(_msg.To.Tag), Is.EqualTo("abc"));
        }
    }

    [TestCase("SIP/2.0 99 Too Small\r\n", SipParseErrors.BadStatusLine)]
    [TestCase("SIP/2.0 700 Too Big\r\n", SipParseErrors.BadStatusLine)]
    [TestCase("SIP/2.0 2000 OK\r\n", SipParseErrors.BadStatusLine)]
    [TestCase("SIP/2.0 200\r\n", SipParseErrors.BadStatusLine)]
    [TestCase("SIP/3.0 200 OK\r\n", SipParseErrors.VersionNotSupported)]
    public void Parse_BadStatusLine_IsInvalid(string statusLine, string error)
    {
        var text = statusLine + "Via: SIP/2.0/UDP h;branch=z9hG4bKx\r\nTo: <sip:b@b>\r\nFrom: <sip:a@a>;tag=1\r\nCall-ID: c\r\nCSeq: 1 BYE\r\n\r\n";

        Assert.That(_msg.Parse(SampleMessages.Bytes(text)), Is.EqualTo(SipParseStatus.Invalid));
        Assert.That(_msg.Error, Is.EqualTo(error));
    }

    [Test]
    public void Parse_LeadingCrlfs_AreSkipped()
    {
        var bytes = "\r\n\r\n\n"u8.ToArray().Concat(SampleMessages.Invite).ToArray();

        Assert.That(_msg.Parse(bytes), Is.EqualTo(SipParseStatus.Ok));
        Assert.That(_msg.MethodToken.Start, Is.EqualTo(5));
    }

    [Test]
    public void Parse_BareLfLineEnds_AreAccepted()
    {
        var text = SampleMessages.InviteText.Replace("\r\n", "\n", StringComparison.Ordinal);

        Assert.That(_msg.Parse(SampleMessages.Bytes(text)), Is.EqualTo(SipParseStatus.Ok));
        Assert.That(_msg.GetString(_msg.Body), Is.EqualTo("v=0\n"));
    }

    [Test]
    public void Parse_LowercaseSipVersion_IsAccepted()
    {
        var text = SampleMessages.InviteText.Replace("SIP/2.0\r\n", "sip/2.0\r\n", StringComparison.Ordinal);

        Assert.That(_msg.Parse(SampleMessages.Bytes(text)), Is.EqualTo(SipParseStatus.Ok));
    }

    [Test]
    public void Parse_NoContentLength_BodyIsRestOfDatagram()
    {
        var text = SampleMessages.InviteText.Replace("Content-Length: 4\r\n", "", StringComparison.Ordinal) + "more";

        Assert.That(_msg.Parse(SampleMessages.Bytes(text)), Is.EqualTo(SipParseStatus.Ok));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(_msg.ContentLength, Is.EqualTo(-1));
            Assert.That(_msg.GetString(_msg.Body), Is.EqualTo("v=0\nmore"));
        }
    }

    [Test]
    public void Parse_BytesBeyondContentLength_AreIgnored()
    {
        var bytes = SampleMessages.Bytes(SampleMessages.InviteText + "garbage");

        Assert.That(_msg.Parse(bytes), Is.EqualTo(SipParseStatus.Ok));
        Assert.That(_msg.GetString(_msg.Body), Is.EqualTo("v=0\n"));
    }

    // The message always has Via, From, To and Call-ID; the other headers are added in compact form.
    [TestCase("v", "Via", "")]
    [TestCase("f", "From", "")]
    [TestCase("t", "To", "")]
    [TestCase("i", "Call-ID", "")]
    [TestCase("m", "Contact", "m: <sip:a@192.0.2.4>")]
    [TestCase("l", "Content-Length", "l: 0")]
    [TestCase("c", "Content-Type", "c: text/plain")]
    [TestCase("k", "Supported", "k: path")]
    [TestCase("s", "Subject", "s: hi")]
    [TestCase("e", "Content-Encoding", "e: gzip")]
    [TestCase("o", "Event", "o: presence")]
    [TestCase("r", "Refer-To", "r: <sip:c@example.com>")]
    [TestCase("u", "Allow-Events", "u: dialog")]
    public void FindHeader_CompactAndLongForms_FindEachOther(string compact, string longName, string line)
    {
        _msg.Parse(SampleMessages.Options(line.Length == 0 ? "" : line + "\r\n"));

        int byLong = _msg.FindHeader(longName.AsSpan());
        using (Assert.EnterMultipleScope())
        {
            Assert.That(byLong, Is.GreaterThanOrEqualTo(0));
            Assert.That(_msg.FindHeader(compact.AsSpan()), Is.EqualTo(byLong));
            Assert.That(_msg.FindHeader(longName.ToUpperInvariant().AsSpan()), Is.EqualTo(byLong));
            Assert.That(_msg.FindHeader(compact.ToUpperInvariant().AsSpan()), Is.EqualTo(byLong));
            Assert.That(_msg.Header(byLong).Kind, Is.EqualTo(HeaderNames.Lookup(longName.AsSpan())));
        }
    }

    [Test]
    public void FindHeader_UnknownNameAnyCase_IsFoundAndNextIndexContinues()
    {
        _msg.Parse(SampleMessages.Options("X-Custom: one\r\nx-custom: two\r\n"));

        int first = _msg.FindHeader("X-CUSTOM");
        int second = _msg.FindHeader("x-Custom", first + 1);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(_msg.GetString(_msg.Header(first).Value), Is.EqualTo("one"));
            Assert.That(_msg.GetString(_msg.Header(second).Value), Is.EqualTo("two"));
            Assert.That(_msg.FindHeader("x-custom", second + 1), Is.EqualTo(-1));
            Assert.That(_msg.FindHeader("X-Absent"), Is.EqualTo(-1));
            Assert.That(_msg.Header(first).Kind, Is.EqualTo(HeaderKind.Other));
        }
    }

    [Test]
    public void ViaCount_CountsCommaSeparatedValuesAcrossLines()
    {
        _msg.Parse(SampleMessages.Options(
            "v: SIP/2.0/TCP a.example;branch=z9hG4bK1, SIP/2.0/UDP b.example:5070;branch=z9hG4bK2\r\n" +
            "VIA: SIP/2.0/TLS c.example;branch=\"z9hG4bK,3\"\r\n"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_msg.Status, Is.EqualTo(SipParseStatus.Ok), _msg.Error);
            Assert.That(_msg.ViaCount, Is.EqualTo(4));
            Assert.That(_msg.GetString(_msg.TopVia.Host), Is.EqualTo("192.0.2.4"));
        }
    }

    [Test]
    public void HeaderValues_CommasInsideQuotesAndAngles_AreNotSeparators()
    {
        _msg.Parse(SampleMessages.Options("Contact: \"Doe, John\" <sip:a,b@x.example>, <sip:c@y.example>;q=0.5\r\n"));
        var values = new List<string>();

        foreach (var v in _msg.HeaderValues(_msg.FindHeader(HeaderKind.Contact)))
        {
            values.Add(_msg.GetString(v));
        }

        Assert.That(values, Is.EqualTo(ContactValues));
    }

    [Test]
    public void HeaderLine_CoversFoldedLinesAndTerminator()
    {
        _msg.Parse(SampleMessages.Options("Subject: a\r\n b\r\n"));

        var line = _msg.HeaderLine(_msg.FindHeader(HeaderKind.Subject));

        Assert.That(_msg.GetString(line), Is.EqualTo("Subject: a\r\n b\r\n"));
    }

    [Test]
    public void FindHeader_BeforeAnyParse_FindsNothing()
    {
        var fresh = new SipMessage();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(fresh.FindHeader(HeaderKind.Via), Is.EqualTo(-1));
            Assert.That(fresh.FindHeader("Call-ID"), Is.EqualTo(-1));
            Assert.That(fresh.HeaderCount, Is.Zero);
            Assert.That(fresh.Status, Is.EqualTo(SipParseStatus.NotSip));
        }
    }

    [Test]
    public void FindHeader_AfterNotSipParse_FindsNothing()
    {
        _msg.Parse(SampleMessages.Invite);
        _msg.Parse("GET / HTTP/1.1\r\n\r\n"u8.ToArray());

        Assert.That(_msg.FindHeader(HeaderKind.Via), Is.EqualTo(-1));
    }

    [Test]
    public void Header_IndexOutOfRange_Throws()
    {
        _msg.Parse(SampleMessages.Invite);

        Assert.That(() => _msg.Header(_msg.HeaderCount), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void Parse_ExtensionMethod_IsUnknownWithToken()
    {
        var text = Encoding.ASCII.GetString(SampleMessages.Options()).Replace("OPTIONS", "FOO", StringComparison.Ordinal);

        Assert.That(_msg.Parse(SampleMessages.Bytes(text)), Is.EqualTo(SipParseStatus.Ok));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(_msg.Method, Is.EqualTo(SipMethod.Unknown));
            Assert.That(_msg.GetString(_msg.MethodToken), Is.EqualTo("FOO"));
        }
    }

    [TestCase("INVITE", SipMethod.Invite)]
    [TestCase("ACK", SipMethod.Ack)]
    [TestCase("BYE", SipMethod.Bye)]
    [TestCase("CANCEL", SipMethod.Cancel)]
    [TestCase("REGISTER", SipMethod.Register)]
    [TestCase("OPTIONS", SipMethod.Options)]
    [TestCase("INFO", SipMethod.Info)]
    [TestCase("UPDATE", SipMethod.Update)]
    [TestCase("PRACK", SipMethod.Prack)]
    [TestCase("SUBSCRIBE", SipMethod.Subscribe)]
    [TestCase("NOTIFY", SipMethod.Notify)]
    [TestCase("REFER", SipMethod.Refer)]
    [TestCase("MESSAGE", SipMethod.Message)]
    [TestCase("PUBLISH", SipMethod.Publish)]
    [TestCase("invite", SipMethod.Unknown)]
    public void SipMethodsParse_Token_MapsCaseSensitively(string token, SipMethod expected)
    {
        Assert.That(SipMethods.Parse(Encoding.ASCII.GetBytes(token)), Is.EqualTo(expected));
    }

    [Test]
    public void Parse_Ipv6ViaWithPort_SplitsHostAndPort()
    {
        _msg.Parse(SampleMessages.Options("Via: SIP/2.0/UDP [2001:db8::1]:5080;branch=z9hG4bK3\r\n"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_msg.Status, Is.EqualTo(SipParseStatus.Ok));
            Assert.That(_msg.ViaCount, Is.EqualTo(2));
        }
    }

    private static readonly string[] ContactValues = ["\"Doe, John\" <sip:a,b@x.example>", "<sip:c@y.example>;q=0.5"];
}
