using System.Text;
using BenchmarkDotNet.Attributes;
using ScriptedSip.Core.Messages;
using ScriptedSip.Core.Parsing;

namespace ScriptedSip.Benchmarks;

/// <summary>Per-message costs on the hot path: parse, the lookups every message needs, a stateless reply, a proxy forward.</summary>
[MemoryDiagnoser]
public class ParserBenchmarks
{
    private const string Invite =
        "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport\r\n" +
        "Max-Forwards: 70\r\n" +
        "To: Bob <sip:bob@biloxi.example.com>\r\n" +
        "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n" +
        "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n" +
        "CSeq: 314159 INVITE\r\n" +
        "Contact: <sip:alice@pc33.atlanta.example.com>\r\n" +
        "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, MESSAGE, SUBSCRIBE, INFO\r\n" +
        "Supported: replaces, timer\r\n" +
        "User-Agent: Bench/1.0\r\n" +
        "Content-Type: application/sdp\r\n" +
        "Content-Length: 142\r\n" +
        "\r\n" +
        "v=0\r\n" +
        "o=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com\r\n" +
        "s=-\r\n" +
        "c=IN IP4 192.0.2.101\r\n" +
        "t=0 0\r\n" +
        "m=audio 49172 RTP/AVP 0\r\n" +
        "a=rtpmap:0 PCMU/8000\r\n";

    private readonly ReadOnlyMemory<byte> _invite = Encoding.ASCII.GetBytes(Invite);
    private readonly SipMessage _message = new();
    private readonly SipMessage _parsed = new();
    private readonly SipMessageEditor _editor = new();
    private readonly byte[] _output = new byte[65536];

    [GlobalSetup]
    public void Setup()
    {
        if (_parsed.Parse(_invite) != SipParseStatus.Ok)
        {
            throw new InvalidOperationException("benchmark message does not parse: " + _parsed.Error);
        }
    }

    [Benchmark(Baseline = true)]
    public SipParseStatus ParseInvite() => _message.Parse(_invite);

    [Benchmark]
    public long ParseAndLookUpViaCallIdCSeq()
    {
        _message.Parse(_invite);
        var via = _message.TopVia;
        return via.Branch.Length + via.Port + _message.Span(_message.CallId).Length + _message.CSeqNumber + _message.FindHeader(HeaderKind.Contact);
    }

    [Benchmark]
    public int Write200Reply() =>
        SipReplyWriter.WriteReply(_parsed, 200, "OK", "as83kd9bs"u8, "198.51.100.7"u8, 5062, default, _output);

    [Benchmark]
    public int EditorForward()
    {
        _editor.Reset(_parsed);
        _editor.InsertTopHeader("Record-Route: <sip:192.0.2.100;lr>\r\n"u8);
        _editor.InsertTopHeader("Via: SIP/2.0/UDP 192.0.2.100;branch=z9hG4bKsl1a2b3c4d\r\n"u8);
        _editor.SetMaxForwards(69);
        _editor.SetRequestUri("sip:bob@192.0.2.200:5060"u8);
        return _editor.WriteTo(_output);
    }
}
