using ScriptedSip.Core.Messages;
using ScriptedSip.Core.Parsing;

namespace ScriptedSip.Core.Tests.Parsing;

/// <summary>Invariant checks shared by the robustness tests.</summary>
internal static class SegmentBounds
{
    /// <summary>Returns a description of the first segment that lies outside the buffer, or null.</summary>
    public static string? FindViolation(SipMessage msg)
    {
        int length = msg.Buffer.Length;
        string? Check(string name, Segment s) =>
            s.Start < 0 || s.Length < 0 || s.End > length ? $"{name} {s} outside 0..{length}" : null;

        var via = msg.TopVia;
        string? v = Check("MethodToken", msg.MethodToken) ?? Check("RequestUri", msg.RequestUri) ?? Check("Reason", msg.Reason)
            ?? Check("CallId", msg.CallId) ?? Check("CSeqMethod", msg.CSeqMethod) ?? Check("Body", msg.Body)
            ?? Check("Via.Transport", via.Transport) ?? Check("Via.Host", via.Host) ?? Check("Via.Branch", via.Branch)
            ?? Check("Via.Received", via.Received) ?? Check("Via.Whole", via.Whole) ?? Check("Via.RportParam", via.RportParam)
            ?? Check("From.Uri", msg.From.Uri) ?? Check("From.Tag", msg.From.Tag) ?? Check("From.DisplayName", msg.From.DisplayName)
            ?? Check("To.Uri", msg.To.Uri) ?? Check("To.Tag", msg.To.Tag) ?? Check("To.DisplayName", msg.To.DisplayName);
        if (v is not null)
        {
            return v;
        }

        if (msg.HeaderSectionEnd > length)
        {
            return $"HeaderSectionEnd {msg.HeaderSectionEnd} > {length}";
        }

        for (int i = 0; i < msg.HeaderCount; i++)
        {
            var h = msg.Header(i);
            v = Check($"Header[{i}].Name", h.Name) ?? Check($"Header[{i}].Value", h.Value) ?? Check($"HeaderLine[{i}]", msg.HeaderLine(i));
            if (v is not null)
            {
                return v;
            }

            foreach (var value in msg.HeaderValues(i))
            {
                if (Check($"Header[{i}] value", value) is { } bad)
                {
                    return bad;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// Runs the on-demand readers and writers on an Ok message: none may throw, and what they produce
    /// must itself parse Ok (a reply to an Ok request, a forwarded copy).
    /// </summary>
    public static string? ExerciseOkMessage(SipMessage msg, byte[] scratch, SipMessageEditor editor, SipMessage reparsed)
    {
        if (msg.IsRequest && !msg.TryParseRequestUri(out _))
        {
            return "Request-URI accepted by Parse but not by TryParseRequestUri";
        }

        _ = SipUriParser.TryParse(msg.Span(msg.From.Uri), out _) | SipUriParser.TryParse(msg.Span(msg.To.Uri), out _);
        _ = msg.FindHeader("Route") + msg.FindHeader("x-unknown");

        if (msg.IsRequest)
        {
            int n = SipReplyWriter.WriteReply(msg, 400, "Bad Request", "abc"u8, "203.0.113.9"u8, 5062, default, scratch);
            if (n < 0)
            {
                return "reply did not fit";
            }

            if (reparsed.Parse(scratch.AsMemory(0, n)) != SipParseStatus.Ok)
            {
                return $"reply does not re-parse: {reparsed.Error}";
            }
        }

        editor.Reset(msg);
        editor.InsertTopHeader("Via: SIP/2.0/UDP 198.51.100.1;branch=z9hG4bKfuzz"u8);
        if (msg.IsRequest)
        {
            editor.SetMaxForwards(msg.MaxForwards < 0 ? 70 : msg.MaxForwards - 1);
        }

        int written = editor.WriteTo(scratch);
        if (written < 0)
        {
            return "edited message did not fit";
        }

        var status = reparsed.Parse(scratch.AsMemory(0, written));
        return status == SipParseStatus.Ok ? null : $"edited message does not re-parse: {reparsed.Error}";
    }
}
