using System.Text;
using ScriptedSip.Core.Parsing;
using ScriptedSip.Core.Transactions;

namespace ScriptedSip.Core.Tests.Transactions;

/// <summary>Reading a request's top Via from the raw bytes gives the key the parsed message gives.</summary>
public sealed class RetransmissionProbeTests
{
    private const string Tail = "From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nCall-ID: c@x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";

    [TestCase("Via: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bKabc;rport\r\n")]
    [TestCase("v: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bKabc\r\n")]
    [TestCase("Max-Forwards: 70\r\nVIA :  SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bKabc , SIP/2.0/UDP 10.0.0.9;branch=z9hG4bKother\r\nVia: SIP/2.0/UDP 10.0.0.8;branch=z9hG4bKthird\r\n")]
    public void TopVia_FromRawBytes_GivesTheParsedMessagesKey(string viaLines)
    {
        var data = Encoding.ASCII.GetBytes("INVITE sip:b@x SIP/2.0\r\n" + viaLines + Tail);
        var message = new SipMessage();
        message.Parse(data);

        Assert.That(RetransmissionProbe.TryReadTopVia(data, out var via), Is.True);
        Assert.That(ServerKey.TryFromTopVia(data, via, out var key), Is.True);
        Assert.That(key, Is.EqualTo(ServerKey.From(message)));
        Assert.That(key.ToString(), Is.EqualTo("z9hG4bKabc|10.0.0.1:5062"));
    }

    [TestCase("INVITE sip:b@x SIP/2.0\r\n" + Tail, TestName = "NoVia")]
    [TestCase("INVITE sip:b@x SIP/2.0\r\nVia: garbage\r\n" + Tail, TestName = "ViaThatDoesNotParse")]
    [TestCase("INVITE sip:b@x SIP/2.0", TestName = "NoHeadersAtAll")]
    public void NoReadableVia_NotRecognised(string text) =>
        Assert.That(RetransmissionProbe.TryReadTopVia(Encoding.ASCII.GetBytes(text), out _), Is.False);

    [Test]
    public void Rfc2543Branch_NoKeyFromTheViaAlone()
    {
        var data = Encoding.ASCII.GetBytes("INVITE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=old1\r\n" + Tail);

        Assert.That(RetransmissionProbe.TryReadTopVia(data, out var via), Is.True);
        Assert.That(ServerKey.TryFromTopVia(data, via, out _), Is.False);
    }
}
