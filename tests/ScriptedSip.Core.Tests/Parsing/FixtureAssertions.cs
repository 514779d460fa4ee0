using System.Text.Json;
using ScriptedSip.Core.Parsing;

namespace ScriptedSip.Core.Tests.Parsing;

/// <summary>Compares a parsed message with the expected-field objects of the fixtures' expected.json files.</summary>
internal static class FixtureAssertions
{
    /// <summary>
    /// Checks every field the expectation lists. Where the fixture gives two values (a header that appears
    /// twice, RFC 4475 multi01/mcl01), the parser exposes the first one.
    /// </summary>
    public static void AssertFields(SipMessage msg, byte[] bytes, JsonElement expected, int? expectedBodyOctets = null)
    {
        using (Assert.EnterMultipleScope())
        {
            bool request = expected.GetProperty("kind").GetString() == "request";
            Assert.That(msg.IsRequest, Is.EqualTo(request), "kind");
            if (request)
            {
                Assert.That(msg.GetString(msg.MethodToken), Is.EqualTo(expected.GetProperty("method").GetString()), "method");
                Assert.That(msg.GetString(msg.RequestUri), Is.EqualTo(expected.GetProperty("request_uri").GetString()), "request_uri");
            }
            else
            {
                Assert.That(msg.StatusCode, Is.EqualTo(expected.GetProperty("status_code").GetInt32()), "status_code");
                Assert.That(msg.GetString(msg.Reason), Is.EqualTo(expected.GetProperty("reason_phrase").GetString()), "reason_phrase");
                Assert.That(msg.Method, Is.EqualTo(msg.CSeqMethodKind), "response Method is the CSeq method");
            }

            var callId = First(expected.GetProperty("call_id"));
            Assert.That(
                callId.ValueKind == JsonValueKind.Null ? null : msg.GetString(msg.CallId),
                Is.EqualTo(callId.ValueKind == JsonValueKind.Null ? null : callId.GetString()),
                "call_id");
            Assert.That(msg.CSeqNumber, Is.EqualTo(First(expected.GetProperty("cseq_number")).GetUInt32()), "cseq_number");
            Assert.That(msg.GetString(msg.CSeqMethod), Is.EqualTo(First(expected.GetProperty("cseq_method")).GetString()), "cseq_method");
            Assert.That(msg.ViaCount, Is.EqualTo(expected.GetProperty("via_count").GetInt32()), "via_count");
            Assert.That(msg.MaxForwards, Is.EqualTo(IntOrMinusOne(expected.GetProperty("max_forwards"))), "max_forwards");

            if (expected.TryGetProperty("content_length", out var cl))
            {
                Assert.That(msg.ContentLength, Is.EqualTo(IntOrMinusOne(cl)), "content_length");
            }

            int bodyOctets = expectedBodyOctets ?? expected.GetProperty("body_octets_after_header_section").GetInt32();
            Assert.That(bytes.Length - msg.HeaderSectionEnd, Is.EqualTo(bodyOctets), "octets after the header section");
            if (msg.ContentLength >= 0 && msg.Status == SipParseStatus.Ok)
            {
                Assert.That(msg.Body.Length, Is.EqualTo(msg.ContentLength), "body framed by Content-Length");
            }

            Assert.That(CountValues(msg, HeaderKind.Contact), Is.EqualTo(expected.GetProperty("contact_count").GetInt32()), "contact_count");
        }
    }

    public static int CountValues(SipMessage msg, HeaderKind kind)
    {
        int count = 0;
        for (int i = msg.FindHeader(kind); i >= 0; i = msg.FindHeader(kind, i + 1))
        {
            foreach (var _ in msg.HeaderValues(i))
            {
                count++;
            }
        }

        return count;
    }

    private static JsonElement First(JsonElement e) => e.ValueKind == JsonValueKind.Array ? e[0] : e;

    private static int IntOrMinusOne(JsonElement e)
    {
        e = First(e);
        return e.ValueKind == JsonValueKind.Null ? -1 : e.GetInt32();
    }
}
