using System.Text;
using System.Text.Json;
using ScriptedSip.Core.Parsing;

namespace ScriptedSip.Core.Tests.Parsing;

/// <summary>
/// RFC 5118 IPv6 torture messages, driven by Fixtures/rfc5118/expected.json. Each message is tested in
/// both forms: the archive bytes (bare LF line ends) and the derived CRLF wire form in crlf/.
/// </summary>
[TestFixture]
public sealed class Rfc5118FixtureTests
{
    private const string Dir = "rfc5118";

    /// <summary>
    /// Archive copies that are not valid as stored, whatever the RFC section says about their content:
    /// the SDP ones declare more Content-Length than the archive holds, and the 4.10 pair has no empty line
    /// ending the header section. Both are framing errors over UDP; their crlf/ forms fix exactly that and parse Ok.
    /// </summary>
    private static readonly Dictionary<string, string> ArchiveFramingErrors = new()
    {
        ["ipv6-in-sdp"] = SipParseErrors.ContentLengthExceedsDatagram,        // declares 268, holds 242
        ["mult-ip-in-sdp"] = SipParseErrors.ContentLengthExceedsDatagram,     // declares 181, holds 180
        ["ipv6-bug-abnf-3-colons"] = SipParseErrors.MissingHeaderTerminator,
        ["ipv6-correct-abnf-2-colons"] = SipParseErrors.MissingHeaderTerminator,
    };

    private static IEnumerable<TestCaseData> Cases(bool crlf) =>
        FixtureFiles.Messages(Dir)
            .Select(e => e.GetProperty("file").GetString()!)
            .Select(file => new TestCaseData(file, crlf).SetArgDisplayNames(file, crlf ? "crlf" : "lf"));

    private static IEnumerable<TestCaseData> AllCases() => Cases(crlf: false).Concat(Cases(crlf: true));

    private static JsonElement Entry(string file) =>
        FixtureFiles.Messages(Dir).Single(e => e.GetProperty("file").GetString() == file);

    [TestCaseSource(nameof(AllCases))]
    public void Parse_Rfc5118Message_HasExpectedStatusAndFields(string file, bool crlf)
    {
        var entry = Entry(file);
        var fields = entry.GetProperty("fields");
        var bytes = FixtureFiles.Read(Dir, crlf ? $"crlf/{file}" : file);
        var msg = new SipMessage();

        var status = msg.Parse(bytes);

        string? expectedError = entry.GetProperty("category").GetString() == "invalid"
            ? SipParseErrors.BadRequestUri // sip:2001:db8::10 — the IPv6 address lacks its brackets
            : crlf ? null : ArchiveFramingErrors.GetValueOrDefault(file);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(status, Is.EqualTo(expectedError is null ? SipParseStatus.Ok : SipParseStatus.Invalid));
            Assert.That(msg.Error, Is.EqualTo(expectedError));
        }

        bool terminated = crlf || entry.GetProperty("header_section_terminated").GetBoolean();
        int bodyOctets = fields.GetProperty(crlf ? "body_octets_crlf" : "body_octets_archive_lf").GetInt32();
        if (!terminated)
        {
            bodyOctets = bytes.Length + 1; // HeaderSectionEnd is -1
        }

        var expected = JsonSerializer.SerializeToElement(new Dictionary<string, object?>
        {
            ["kind"] = fields.GetProperty("kind").GetString(),
            ["method"] = fields.GetProperty("method").GetString(),
            ["request_uri"] = fields.GetProperty("request_uri").GetString(),
            ["call_id"] = fields.GetProperty("call_id").GetString(),
            ["cseq_number"] = fields.GetProperty("cseq_number").GetInt32(),
            ["cseq_method"] = fields.GetProperty("cseq_method").GetString(),
            ["via_count"] = fields.GetProperty("via_count").GetInt32(),
            ["max_forwards"] = fields.GetProperty("max_forwards").GetInt32(),
            ["content_length"] = fields.GetProperty(crlf ? "content_length_in_crlf_variant" : "content_length_declared").GetInt32(),
            ["contact_count"] = fields.GetProperty("contact_count").GetInt32(),
        });
        FixtureAssertions.AssertFields(msg, bytes, expected, bodyOctets);

        var vias = new List<string>();
        for (int i = msg.FindHeader(HeaderKind.Via); i >= 0; i = msg.FindHeader(HeaderKind.Via, i + 1))
        {
            foreach (var v in msg.HeaderValues(i))
            {
                vias.Add(msg.GetString(v));
            }
        }

        Assert.That(vias, Is.EqualTo(fields.GetProperty("vias").EnumerateArray().Select(v => v.GetString()).ToArray()));
    }

    [TestCase("port-ambiguous", "[2001:db8::10:5070]", -1)]
    [TestCase("port-unambiguous", "[2001:db8::10]", 5070)]
    [TestCase("ipv6-good", "[2001:db8::10]", -1)]
    [TestCase("ipv6-bug-abnf-3-colons", "[2001:db8:::192.0.2.1]", -1)]
    [TestCase("ipv6-correct-abnf-2-colons", "[2001:db8::192.0.2.1]", -1)]
    public void TryParseRequestUri_Ipv6Reference_SplitsHostAndPortAtTheBracket(string file, string host, int port)
    {
        var msg = new SipMessage();
        msg.Parse(FixtureFiles.Read(Dir, $"crlf/{file}"));

        Assert.That(msg.TryParseRequestUri(out var uri), Is.True);
        var span = msg.Span(msg.RequestUri);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Encoding.ASCII.GetString(span.Slice(uri.Host.Start, uri.Host.Length)), Is.EqualTo(host));
            Assert.That(uri.Port, Is.EqualTo(port));
        }
    }

    [TestCase("via-received-param-with-delim", "[2001:db8::9:255]")]
    [TestCase("via-received-param-no-delim", "2001:db8::9:255")]
    public void Parse_ViaReceivedWithOrWithoutBrackets_IsAccepted(string file, string received)
    {
        var msg = new SipMessage();

        var status = msg.Parse(FixtureFiles.Read(Dir, file));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(status, Is.EqualTo(SipParseStatus.Ok));
            Assert.That(msg.GetString(msg.TopVia.Received), Is.EqualTo(received));
            Assert.That(msg.GetString(msg.TopVia.Host), Is.EqualTo("[2001:db8::9:1]"));
        }
    }

    [Test]
    public void Parse_Ipv4MappedVia_ReadsBracketedHostAndPort()
    {
        var msg = new SipMessage();
        msg.Parse(FixtureFiles.Read(Dir, "crlf/ipv4-mapped-ipv6"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(msg.GetString(msg.TopVia.Host), Is.EqualTo("[::ffff:192.0.2.10]"));
            Assert.That(msg.TopVia.Port, Is.EqualTo(19823));
        }
    }
}
