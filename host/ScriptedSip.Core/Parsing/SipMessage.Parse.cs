namespace ScriptedSip.Core.Parsing;

public sealed partial class SipMessage
{
    /// <summary>
    /// Parses one datagram, replacing whatever this instance held. Never throws.
    /// <list type="bullet">
    /// <item><see cref="SipParseStatus.NotSip"/>: after skipping leading CRLFs (RFC 3261 §7.5) the first line is
    /// neither a request line <c>TOKEN SP ... SP SIP/x.y</c> nor a status line starting <c>SIP/x.y</c>
    /// ("SIP" case-insensitive): empty or CRLF-only datagrams, keep-alives, binary junk, HTTP.</item>
    /// <item><see cref="SipParseStatus.Invalid"/>: the start line is SIP-shaped but something is wrong — extra or
    /// trailing spaces in it, a bad Request-URI, a version other than 2.0, a status code not 100-699, a missing
    /// empty line, a header line without a colon, more than <see cref="MaxHeaders"/> headers, a missing,
    /// duplicated or malformed Via/From/To/Call-ID/CSeq, a CSeq method that differs from the request method,
    /// a malformed Max-Forwards (not 0-255) or Content-Length, or a Content-Length larger than the datagram.</item>
    /// </list>
    /// Accepted leniently: bare LF line ends, folded headers, compact names, any header-name case, bytes after
    /// Content-Length (ignored), no Content-Length (body = rest of datagram, as over UDP).
    /// </summary>
    public SipParseStatus Parse(ReadOnlyMemory<byte> datagram)
    {
        ResetState(datagram);
        var buf = datagram.Span;

        int pos = 0;
        while (pos < buf.Length && buf[pos] is (byte)'\r' or (byte)'\n')
        {
            pos++;
        }

        if (pos >= buf.Length)
        {
            return NotSipResult(SipParseErrors.Empty);
        }

        StartLineStart = pos;
        int lf = buf[pos..].IndexOf((byte)'\n');
        int lineEnd = lf < 0 ? buf.Length : pos + lf;
        int contentEnd = lineEnd > pos && buf[lineEnd - 1] == (byte)'\r' ? lineEnd - 1 : lineEnd;
        if (!ParseStartLine(buf, pos, contentEnd))
        {
            return NotSipResult(SipParseErrors.NotSip);
        }

        IndexHeaders(buf, lf < 0 ? buf.Length : lineEnd + 1);
        ValidateHeaders(buf);
        FrameBody(buf.Length);

        Status = Error is null ? SipParseStatus.Ok : SipParseStatus.Invalid;
        return Status;
    }

    private void ResetState(ReadOnlyMemory<byte> datagram)
    {
        Buffer = datagram;
        Status = SipParseStatus.NotSip;
        Error = null;
        ErrorStatusCode = 0;
        IsRequest = false;
        Method = SipMethod.Unknown;
        MethodToken = default;
        RequestUri = default;
        StatusCode = 0;
        Reason = default;
        HeaderCount = 0;
        CallId = default;
        CSeqNumber = 0;
        CSeqMethod = default;
        CSeqMethodKind = SipMethod.Unknown;
        TopVia = ViaInfo.None;
        ViaCount = 0;
        From = default;
        To = default;
        MaxForwards = -1;
        ContentLength = -1;
        Body = default;
        HeaderSectionEnd = -1;
        StartLineStart = 0;
        HeaderSectionStart = 0;
        BlankLineStart = -1;
        Array.Fill(_firstOfKind, -1);
        _repeatedKinds = 0;
    }

    private SipParseStatus NotSipResult(string error)
    {
        Error = error;
        IsRequest = false;
        MethodToken = default;
        RequestUri = default;
        Method = SipMethod.Unknown;
        Status = SipParseStatus.NotSip;
        return Status;
    }

    /// <summary>Records the first error only: later problems are usually consequences of the first.</summary>
    private void SetError(string error, int statusCode = 400)
    {
        if (Error is null)
        {
            Error = error;
            ErrorStatusCode = statusCode;
        }
    }

    /// <summary>
    /// Frames the body by Content-Length. Over UDP a datagram is one message: trailing bytes beyond
    /// Content-Length are ignored (RFC 3261 §18.3, RFC 4475 dblreq) and without Content-Length the body is
    /// the rest of the datagram; a Content-Length beyond the datagram is an error (RFC 4475 clerr).
    /// </summary>
    private void FrameBody(int length)
    {
        if (HeaderSectionEnd < 0)
        {
            return;
        }

        int available = length - HeaderSectionEnd;
        if (ContentLength < 0)
        {
            Body = new Segment(HeaderSectionEnd, available);
        }
        else if (ContentLength > available)
        {
            SetError(SipParseErrors.ContentLengthExceedsDatagram);
        }
        else
        {
            Body = new Segment(HeaderSectionEnd, ContentLength);
        }
    }
}
