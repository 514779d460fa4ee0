using System.Text;
using ScriptedSip.Core.Messages;
using ScriptedSip.Core.Parsing;
using ScriptedSip.Core.Tests.Parsing;

namespace ScriptedSip.Core.Tests.Messages;

[TestFixture]
public sealed class SipReplyWriterTests
{
    private readonly SipMessage _request = new();
    private readonly SipMessage _reply = new();
    private readonly byte[] _output = new byte[8192];

    private string Write(int code, string reason, string toTag = "srv1", string ip = "198.51.100.7", int port = 5062, string extra = "")
    {
        int n = SipReplyWriter.WriteReply(_request, code, reason, Encoding.ASCII.GetBytes(toTag), Encoding.ASCII.GetBytes(ip), port, Encoding.ASCII.GetBytes(extra), _output);
        Assert.That(n, Is.Positive);
        Assert.That(_reply.Parse(_output.AsMemory(0, n)), Is.EqualTo(SipParseStatus.Ok), () => _reply.Error ?? "");
        return Encoding.UTF8.GetString(_output, 0, n);
    }

    [Test]
    public void WriteReply_ToInviteWithRport_AddsReceivedRportAndToTag()
    {
        _request.Parse(SampleMessages.Invite);

        var text = Write(180, "Ringing");

        Assert.That(text, Is.EqualTo(
            "SIP/2.0 180 Ringing\r\n" +
            "Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport=5062;received=198.51.100.7\r\n" +
            "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n" +
            "To: Bob <sip:bob@biloxi.example.com>;tag=srv1\r\n" +
            "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n" +
            "CSeq: 314159 INVITE\r\n" +
            "Content-Length: 0\r\n" +
            "\r\n"));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(_reply.StatusCode, Is.EqualTo(180));
            Assert.That(_reply.TopVia.Rport, Is.EqualTo(5062));
            Assert.That(_reply.GetString(_reply.TopVia.Received), Is.EqualTo("198.51.100.7"));
            Assert.That(_reply.GetString(_reply.To.Tag), Is.EqualTo("srv1"));
            Assert.That(_reply.CSeqNumber, Is.EqualTo(314159u));
            Assert.That(_reply.Method, Is.EqualTo(SipMethod.Invite));
        }
    }

    [Test]
    public void WriteReply_Trying_HasNoToTag()
    {
        _request.Parse(SampleMessages.Invite);

        Write(100, "Trying");

        Assert.That(_reply.To.Tag.IsEmpty, Is.True);
    }

    [Test]
    public void WriteReply_ToAlreadyTagged_KeepsExistingTag()
    {
        _request.Parse(SampleMessages.Options().AsSpan().ToArray());
        var text = Encoding.ASCII.GetString(SampleMessages.Options()).Replace("To: <sip:carol@chicago.example.com>", "To: <sip:carol@chicago.example.com>;tag=dialog7", StringComparison.Ordinal);
        _request.Parse(Encoding.ASCII.GetBytes(text));

        Write(200, "OK");

        Assert.That(_reply.GetString(_reply.To.Tag), Is.EqualTo("dialog7"));
    }

    [Test]
    public void WriteReply_SourceMatchesSentByWithoutRport_AddsNoReceived()
    {
        _request.Parse(SampleMessages.Options()); // Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnashds8

        Write(200, "OK", ip: "192.0.2.4");

        Assert.That(_reply.GetString(_reply.TopVia.Whole), Is.EqualTo("SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnashds8"));
    }

    [Test]
    public void WriteReply_SourceDiffersFromSentBy_AddsReceivedOnlyToTopVia()
    {
        _request.Parse(SampleMessages.Options("Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKsecond\r\n"));

        var text = Write(200, "OK", ip: "203.0.113.5");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_reply.GetString(_reply.TopVia.Received), Is.EqualTo("203.0.113.5"));
            Assert.That(_reply.ViaCount, Is.EqualTo(2));
            Assert.That(text, Does.Contain("Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKsecond\r\n"));
            Assert.That(text.IndexOf("Via: SIP/2.0/UDP 192.0.2.4", StringComparison.Ordinal), Is.LessThan(text.IndexOf("10.0.0.1", StringComparison.Ordinal)));
        }
    }

    [Test]
    public void WriteReply_ExistingReceived_IsReplaced()
    {
        var text = Encoding.ASCII.GetString(SampleMessages.Options()).Replace(";branch=z9hG4bKnashds8", ";received=1.1.1.1;branch=z9hG4bKnashds8", StringComparison.Ordinal);
        _request.Parse(Encoding.ASCII.GetBytes(text));

        Write(200, "OK", ip: "203.0.113.5");

        Assert.That(_reply.GetString(_reply.TopVia.Whole), Is.EqualTo("SIP/2.0/UDP 192.0.2.4;received=203.0.113.5;branch=z9hG4bKnashds8"));
    }

    [Test]
    public void WriteReply_RportBeforeExistingReceived_FillsBothInOrder()
    {
        var text = Encoding.ASCII.GetString(SampleMessages.Options()).Replace(";branch=z9hG4bKnashds8", ";rport;received=1.1.1.1;branch=z9hG4bKnashds8", StringComparison.Ordinal);
        _request.Parse(Encoding.ASCII.GetBytes(text));

        Write(200, "OK", ip: "203.0.113.5", port: 4000);

        Assert.That(_reply.GetString(_reply.TopVia.Whole), Is.EqualTo("SIP/2.0/UDP 192.0.2.4;rport=4000;received=203.0.113.5;branch=z9hG4bKnashds8"));
    }

    [Test]
    public void WriteReply_Ipv6Source_WritesReceivedWithoutBrackets()
    {
        _request.Parse(SampleMessages.Options());

        Write(200, "OK", ip: "[2001:db8::9]");

        Assert.That(_reply.GetString(_reply.TopVia.Received), Is.EqualTo("2001:db8::9"));
    }

    [Test]
    public void WriteReply_ExtraHeaders_AreCopiedBeforeContentLength()
    {
        _request.Parse(SampleMessages.Invite);

        var text = Write(405, "Method Not Allowed", extra: "Allow: INVITE, ACK\r\nServer: test\r\n");

        Assert.That(text, Does.EndWith("CSeq: 314159 INVITE\r\nAllow: INVITE, ACK\r\nServer: test\r\nContent-Length: 0\r\n\r\n"));
    }

    [Test]
    public void WriteReply_ReasonWithLineBreak_CannotInjectHeaders()
    {
        _request.Parse(SampleMessages.Invite);

        var text = Write(400, "Bad\r\nX-Injected: 1");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(text, Does.StartWith("SIP/2.0 400 Bad  X-Injected: 1\r\n"));
            Assert.That(_reply.FindHeader("X-Injected"), Is.EqualTo(-1));
        }
    }

    [Test]
    public void WriteReply_DestinationTooSmall_ReturnsMinusOne()
    {
        _request.Parse(SampleMessages.Invite);

        int n = SipReplyWriter.WriteReply(_request, 200, "OK", "t"u8, "1.2.3.4"u8, 5060, default, new byte[64]);

        Assert.That(n, Is.EqualTo(-1));
    }

    [Test]
    public void WriteReply_InvalidRequest_AnswersWithWhatCouldBeRead()
    {
        var text = Encoding.ASCII.GetString(SampleMessages.Options()).Replace("Call-ID: opt-1@192.0.2.4", "Call-ID: bad id", StringComparison.Ordinal);
        Assert.That(_request.Parse(Encoding.ASCII.GetBytes(text)), Is.EqualTo(SipParseStatus.Invalid));

        int n = SipReplyWriter.WriteReply(_request, 400, _request.Error, "t"u8, "192.0.2.4"u8, 5060, default, _output);
        var reply = Encoding.ASCII.GetString(_output, 0, n);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(reply, Does.StartWith("SIP/2.0 400 Bad Header Call-ID\r\nVia: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnashds8\r\n"));
            Assert.That(reply, Does.Contain("Call-ID: bad id\r\nCSeq: 63104 OPTIONS\r\n"));
        }
    }

    [Test]
    public void WriteReply_RequestMissingHeaders_LeavesThemOut()
    {
        Assert.That(_request.Parse("OPTIONS sip:a@b.example SIP/2.0\r\nVia: SIP/2.0/UDP h.example;branch=z9hG4bK1\r\n\r\n"u8.ToArray()), Is.EqualTo(SipParseStatus.Invalid));

        int n = SipReplyWriter.WriteReply(_request, 400, _request.Error, "t"u8, "192.0.2.4"u8, 5060, default, _output);

        Assert.That(Encoding.ASCII.GetString(_output, 0, n), Is.EqualTo(
            "SIP/2.0 400 Missing From\r\nVia: SIP/2.0/UDP h.example;branch=z9hG4bK1;received=192.0.2.4\r\nContent-Length: 0\r\n\r\n"));
    }

    [TestCase(99)]
    [TestCase(700)]
    public void WriteReply_CodeOutOfRange_Throws(int code)
    {
        _request.Parse(SampleMessages.Invite);

        Assert.That(
            () => SipReplyWriter.WriteReply(_request, code, "x", default, default, 0, default, _output),
            Throws.InstanceOf<ArgumentOutOfRangeException>());
    }
}
