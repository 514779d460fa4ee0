using System.Text;
using ScriptedSip.Core.Parsing;

namespace ScriptedSip.Core.Tests.Parsing;

/// <summary>Hostile and degenerate datagrams: no exception, and the documented status.</summary>
[TestFixture]
public sealed class BadInputTests
{
    private readonly SipMessage _msg = new();

    [Test]
    public void Parse_EmptyDatagram_IsNotSip()
    {
        Assert.That(_msg.Parse(ReadOnlyMemory<byte>.Empty), Is.EqualTo(SipParseStatus.NotSip));
        Assert.That(_msg.Error, Is.EqualTo(SipParseErrors.Empty));
    }

    [TestCase(new byte[] { 0, 0, 0, 0 })]
    [TestCase(new byte[] { (byte)'\r', (byte)'\n', (byte)'\r', (byte)'\n' })]
    [TestCase(new byte[] { (byte)'p', (byte)'i', (byte)'n', (byte)'g' })]
    [TestCase(new byte[] { 0xDE, 0xAD, 0xBE, 0xEF })]
    public void Parse_FourByteKeepAlive_IsNotSip(byte[] datagram)
    {
        Assert.That(_msg.Parse(datagram), Is.EqualTo(SipParseStatus.NotSip));
    }

    [TestCase("\r\n")]
    [TestCase("\n")]
    [TestCase("\r\n\r\n\r\n")]
    public void Parse_OnlyLineBreaks_IsNotSip(string text)
    {
        Assert.That(_msg.Parse(Encoding.ASCII.GetBytes(text)), Is.EqualTo(SipParseStatus.NotSip));
        Assert.That(_msg.Error, Is.EqualTo(SipParseErrors.Empty));
    }

    [Test]
    public void Parse_BinaryWithNuls_IsNotSip()
    {
        // A STUN binding request: starts with 0x00 0x01, full of NULs.
        byte[] stun = [0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

        Assert.That(_msg.Parse(stun), Is.EqualTo(SipParseStatus.NotSip));
    }

    [TestCase("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n")]
    [TestCase("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")]
    [TestCase("POST /sip HTTP/1.0\r\n\r\n")]
    [TestCase("INVITE\r\n\r\n")]
    [TestCase("INVITE sip:a@b\r\n\r\n")]
    [TestCase("IN VITE sip:a@b HTTP/2.0\r\n\r\n")]
    [TestCase("<xml> sip SIP/2.0\r\n\r\n")]
    public void Parse_NonSipStartLine_IsNotSip(string text)
    {
        Assert.That(_msg.Parse(Encoding.ASCII.GetBytes(text)), Is.EqualTo(SipParseStatus.NotSip));
        Assert.That(_msg.Error, Is.EqualTo(SipParseErrors.NotSip));
    }

    [Test]
    public void Parse_ContentLengthLargerThanDatagram_IsInvalidWithFieldsReadable()
    {
        var msg = SampleMessages.Options("Content-Length: 500\r\n", "short body");

        Assert.That(_msg.Parse(msg), Is.EqualTo(SipParseStatus.Invalid));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(_msg.Error, Is.EqualTo(SipParseErrors.ContentLengthExceedsDatagram));
            Assert.That(_msg.ContentLength, Is.EqualTo(500));
            Assert.That(_msg.GetString(_msg.CallId), Is.EqualTo("opt-1@192.0.2.4"));
            Assert.That(_msg.Body.IsEmpty, Is.True);
        }
    }

    [Test]
    public void Parse_HeaderLineWithoutColon_IsInvalidButLaterHeadersAreRead()
    {
        var msg = SampleMessages.Options("This line has no colon\r\nX-After: yes\r\n");

        Assert.That(_msg.Parse(msg), Is.EqualTo(SipParseStatus.Invalid));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(_msg.Error, Is.EqualTo(SipParseErrors.BadHeaderLine));
            Assert.That(_msg.FindHeader("X-After"), Is.GreaterThanOrEqualTo(0));
            Assert.That(_msg.CSeqNumber, Is.EqualTo(63104u));
        }
    }

    [Test]
    public void Parse_TenThousandHeaders_IsInvalidTooManyHeaders()
    {
        var sb = new StringBuilder();
        for (int i = 0; i < 10_000; i++)
        {
            sb.Append("X-H").Append(i).Append(": v\r\n");
        }

        Assert.That(_msg.Parse(SampleMessages.Options(sb.ToString())), Is.EqualTo(SipParseStatus.Invalid));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(_msg.Error, Is.EqualTo(SipParseErrors.TooManyHeaders));
            Assert.That(_msg.HeaderCount, Is.EqualTo(SipMessage.MaxHeaders));
            Assert.That(_msg.TopVia.Branch.IsEmpty, Is.False, "mandatory headers before the limit are still read");
        }
    }

    [Test]
    public void Parse_ExactlyMaxHeaders_IsOk()
    {
        var sb = new StringBuilder();
        for (int i = 0; i < SipMessage.MaxHeaders - 5; i++)
        {
            sb.Append("X-H").Append(i).Append(": v\r\n");
        }

        Assert.That(_msg.Parse(SampleMessages.Options(sb.ToString())), Is.EqualTo(SipParseStatus.Ok), () => _msg.Error ?? "");
        Assert.That(_msg.HeaderCount, Is.EqualTo(SipMessage.MaxHeaders));
    }

    [Test]
    public void Parse_64KiBHeaderValue_IsOk()
    {
        var value = new string('a', 64 * 1024);
        var msg = SampleMessages.Options($"X-Big: {value}\r\n");

        Assert.That(_msg.Parse(msg), Is.EqualTo(SipParseStatus.Ok), () => _msg.Error ?? "");
        Assert.That(_msg.Header(_msg.FindHeader("X-Big")).Value.Length, Is.EqualTo(64 * 1024));
    }

    [Test]
    public void Parse_64KiBCallId_IsOk()
    {
        var text = Encoding.ASCII.GetString(SampleMessages.Options()).Replace("opt-1@192.0.2.4", new string('c', 64 * 1024), StringComparison.Ordinal);

        Assert.That(_msg.Parse(Encoding.ASCII.GetBytes(text)), Is.EqualTo(SipParseStatus.Ok), () => _msg.Error ?? "");
        Assert.That(_msg.CallId.Length, Is.EqualTo(64 * 1024));
    }

    [Test]
    public void Parse_StartLineOnly_IsInvalidMissingHeaderTerminator()
    {
        Assert.That(_msg.Parse("OPTIONS sip:a@b.example SIP/2.0\r\n"u8.ToArray()), Is.EqualTo(SipParseStatus.Invalid));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(_msg.Error, Is.EqualTo(SipParseErrors.MissingHeaderTerminator));
            Assert.That(_msg.Method, Is.EqualTo(SipMethod.Options));
        }
    }

    [TestCase("Content-Length: -1\r\n", SipParseErrors.BadContentLength)]
    [TestCase("Content-Length: abc\r\n", SipParseErrors.BadContentLength)]
    [TestCase("Content-Length: 1 2\r\n", SipParseErrors.BadContentLength)]
    [TestCase("Content-Length: 99999999999999999999\r\n", SipParseErrors.BadContentLength)]
    [TestCase("Content-Length: 0\r\nl: 0\r\n", SipParseErrors.DuplicateContentLength)]
    [TestCase("Max-Forwards: -1\r\n", SipParseErrors.BadMaxForwards)]
    [TestCase("Max-Forwards: seventy\r\n", SipParseErrors.BadMaxForwards)]
    [TestCase("Max-Forwards: 256\r\n", SipParseErrors.BadMaxForwards)]
    [TestCase("Max-Forwards: 70\r\nMax-Forwards: 69\r\n", SipParseErrors.DuplicateMaxForwards)]
    [TestCase("Call-ID: second@x\r\n", SipParseErrors.DuplicateCallId)]
    [TestCase("CSeq: 1 OPTIONS\r\n", SipParseErrors.DuplicateCSeq)]
    [TestCase("Via: SIP/2.0/UDP\r\n", SipParseErrors.BadVia)]
    [TestCase("Via: SIP/2.0/UDP host;branch=z9hG4bK1,\r\n", SipParseErrors.BadVia)]
    [TestCase("Via: SIP/2.0/UDP host:99999\r\n", SipParseErrors.BadVia)]
    [TestCase("Via: SIP/2.0/UDP host;rport=x\r\n", SipParseErrors.BadVia)]
    [TestCase("Bad Name: x\r\n", SipParseErrors.BadHeaderLine)]
    public void Parse_BrokenScalarOrDuplicate_IsInvalidWithReason(string extra, string error)
    {
        Assert.That(_msg.Parse(SampleMessages.Options(extra)), Is.EqualTo(SipParseStatus.Invalid));
        Assert.That(_msg.Error, Is.EqualTo(error));
    }

    [Test]
    public void Parse_ContinuationLineRightAfterStartLine_IsInvalidBadHeaderLine()
    {
        var text = Encoding.ASCII.GetString(SampleMessages.Options()).Replace("SIP/2.0\r\n", "SIP/2.0\r\n folded: x\r\n", StringComparison.Ordinal);

        Assert.That(_msg.Parse(Encoding.ASCII.GetBytes(text)), Is.EqualTo(SipParseStatus.Invalid));
        Assert.That(_msg.Error, Is.EqualTo(SipParseErrors.BadHeaderLine));
    }

    [Test]
    public void Parse_ContinuationLineAfterHeader_FoldsIntoThatHeader()
    {
        Assert.That(_msg.Parse(SampleMessages.Options("Subject: first\r\n second\r\n")), Is.EqualTo(SipParseStatus.Ok));
        Assert.That(_msg.GetString(_msg.Header(_msg.FindHeader("Subject")).Value), Is.EqualTo("first\r\n second"));
    }

    [TestCase("Call-ID", SipParseErrors.MissingCallId)]
    [TestCase("CSeq", SipParseErrors.MissingCSeq)]
    [TestCase("Via", SipParseErrors.MissingVia)]
    [TestCase("From", SipParseErrors.MissingFrom)]
    [TestCase("To", SipParseErrors.MissingTo)]
    public void Parse_MissingMandatoryHeader_IsInvalidMissing(string header, string error)
    {
        var lines = Encoding.ASCII.GetString(SampleMessages.Options()).Split("\r\n")
            .Where(l => !l.StartsWith(header + ":", StringComparison.Ordinal));

        Assert.That(_msg.Parse(Encoding.ASCII.GetBytes(string.Join("\r\n", lines))), Is.EqualTo(SipParseStatus.Invalid));
        Assert.That(_msg.Error, Is.EqualTo(error));
    }

    [TestCase("Call-ID: has space@x", SipParseErrors.BadCallId)]
    [TestCase("Call-ID: a@b@c", SipParseErrors.BadCallId)]
    [TestCase("Call-ID: @b", SipParseErrors.BadCallId)]
    [TestCase("CSeq: 1", SipParseErrors.BadCSeq)]
    [TestCase("CSeq: OPTIONS", SipParseErrors.BadCSeq)]
    [TestCase("CSeq: 1OPTIONS", SipParseErrors.BadCSeq)]
    [TestCase("CSeq: 4294967296 OPTIONS", SipParseErrors.BadCSeq)]
    [TestCase("CSeq: 1 INVITE", SipParseErrors.CSeqMethodMismatch)]
    [TestCase("From: <sip:a@b", SipParseErrors.BadFrom)]
    [TestCase("From: \"unterminated <sip:a@b>", SipParseErrors.BadFrom)]
    [TestCase("From: Bell, Alexander <sip:a@b>", SipParseErrors.BadFrom)]
    [TestCase("To: < sip:a@b >", SipParseErrors.BadTo)]
    [TestCase("To: sip:a@b;;tag=1", SipParseErrors.BadTo)]
    public void Parse_MalformedMandatoryValue_IsInvalidWithReason(string replacementLine, string error)
    {
        string name = replacementLine[..replacementLine.IndexOf(':', StringComparison.Ordinal)];
        var lines = Encoding.ASCII.GetString(SampleMessages.Options()).Split("\r\n")
            .Select(l => l.StartsWith(name + ":", StringComparison.Ordinal) ? replacementLine : l);

        _msg.Parse(Encoding.ASCII.GetBytes(string.Join("\r\n", lines)));

        Assert.That(_msg.Error, Is.EqualTo(error));
    }
}
