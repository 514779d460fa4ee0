using System.Buffers;
using System.Text;
using ScriptedSip.Core.Transport;
using ScriptedSip.Core.Transport.Streams;

namespace ScriptedSip.Core.Tests.Transport;

/// <summary>Cutting SIP messages out of a byte stream: whole messages, keep-alives, partial input and every framing error.</summary>
public sealed class StreamFramerTests
{
    private const int Max = 1000;
    private const string Options = "OPTIONS sip:x@h SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nContent-Length: 4\r\n\r\nbody";

    private static Frame Frame(string text, int max = Max) => StreamFramer.Next(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text)), max);

    /// <summary>The same bytes split into one segment per byte: framing must not depend on how reads cut them.</summary>
    private static Frame FrameSegmented(string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        Segment? first = null;
        Segment? last = null;
        foreach (var b in bytes)
        {
            var next = new Segment(new[] { b }, last);
            first ??= next;
            last = next;
        }

        return StreamFramer.Next(new ReadOnlySequence<byte>(first!, 0, last!, 1), Max);
    }

    [Test]
    public void WholeMessage_FramedByContentLength_FollowingBytesLeft()
    {
        Assert.That(Frame(Options + "INVITE"), Is.EqualTo(new Frame(FrameKind.Message, Options.Length)));
        Assert.That(FrameSegmented(Options), Is.EqualTo(new Frame(FrameKind.Message, Options.Length)));
    }

    [Test]
    public void CompactContentLength_AndAReply_Framed()
    {
        const string Reply = "SIP/2.0 200 OK\r\nl: 2\r\n\r\nok";
        Assert.That(Frame(Reply), Is.EqualTo(new Frame(FrameKind.Message, Reply.Length)));
    }

    [TestCase("OPTIONS sip:x@h SIP/2.0\r\nContent-Le")]
    [TestCase("OPTIONS sip:x@h SIP/2.0\r\nContent-Length: 4\r\n\r\nbo")]
    [TestCase("\r\n\r")]
    public void Partial_NeedsMore(string text) => Assert.That(Frame(text).Kind, Is.EqualTo(FrameKind.NeedMore));

    [Test]
    public void DoubleCrlf_IsAPing_SingleCrlf_IsAPong()
    {
        Assert.That(Frame("\r\n\r\n"), Is.EqualTo(new Frame(FrameKind.Ping, 4)));
        Assert.That(Frame("\r\n"), Is.EqualTo(new Frame(FrameKind.Pong, 2)));
        Assert.That(Frame("\r\n" + Options), Is.EqualTo(new Frame(FrameKind.Pong, 2)), "a stray CRLF before a message is skipped");
    }

    [TestCase("\r\nO")]
    [TestCase("\r\n\u000e")]
    public void SingleCrlf_ThenOneByteThatIsNoCr_IsAPongAtOnce(string received)
    {
        // Found by fuzzing: with three bytes the framer used to wait for a fourth, so a byte to refuse
        // after a CRLF was only refused once the peer sent more.
        Assert.That(Frame(received), Is.EqualTo(new Frame(FrameKind.Pong, 2)));
    }

    [TestCase("OPTIONS sip:x@h SIP/2.0\r\nVia: x\r\n\r\n", "no Content-Length", true)]
    [TestCase("OPTIONS sip:x@h SIP/2.0\r\nContent-Length: -5\r\n\r\n", "is not a number", true)]
    [TestCase("OPTIONS sip:x@h SIP/2.0\r\nContent-Length: abc\r\n\r\n", "is not a number", true)]
    [TestCase("OPTIONS sip:x@h SIP/2.0\r\nContent-Length: 5000\r\n\r\n", "larger than Sip:MaxMessageSize", true)]
    [TestCase("hello there\r\nContent-Length: 0\r\n\r\n", "no SIP start line", false)]
    [TestCase("\u0016\u0003\u0001\u0002\u0000\u0001", "binary data", false)]
    [TestCase("\rX", "CR not followed by LF", false)]
    public void BadFraming_IsAnError_WithA400OnlyWhenTheHeaderSectionIsThere(string text, string reason, bool canReply)
    {
        var frame = Frame(text);

        Assert.That(frame.Kind, Is.EqualTo(FrameKind.Error));
        Assert.That(frame.Error, Does.Contain(reason));
        Assert.That(frame.CanReply, Is.EqualTo(canReply));
    }

    [Test]
    public void NoEndOfHeaders_WithinMaxMessageSize_IsAnError_BelowItNeedsMore()
    {
        Assert.That(Frame("OPTIONS sip:x@h SIP/2.0\r\n" + new string('x', Max)).Error, Does.Contain("no end of the header section within 1000 bytes"));
        Assert.That(Frame("OPTIONS sip:x@h SIP/2.0\r\n" + new string('x', Max / 2)).Kind, Is.EqualTo(FrameKind.NeedMore));
    }

    [Test]
    public void ListenAddress_TcpAndTls_Parsed()
    {
        Assert.That(ListenEndpoint.TryParse("tcp:127.0.0.1:5060", out var tcp, out _), Is.True);
        Assert.That(tcp!.Protocol, Is.EqualTo(SipProtocol.Tcp));
        Assert.That(tcp.ToString(), Is.EqualTo("tcp:127.0.0.1:5060"));
        Assert.That(ListenEndpoint.TryParse("tls:[::1]:5061", out var tls, out _), Is.True);
        Assert.That(tls!.Protocol, Is.EqualTo(SipProtocol.Tls));
        Assert.That(ListenEndpoint.TryParse("sctp:127.0.0.1:5060", out _, out var error), Is.False);
        Assert.That(error, Does.Contain("not supported"));
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] data, Segment? previous)
        {
            Memory = data;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }
}
