namespace ScriptedSip.Core.Parsing;

public sealed partial class SipMessage
{
    /// <summary>
    /// Splits the header section starting at <paramref name="pos"/> into header lines and indexes them.
    /// A line starting with SP or HTAB continues the previous one (folding, RFC 3261 §7.3.1). Lines end in
    /// CRLF or a bare LF (RFC 5118's archive uses LF only). A bad line is skipped, not fatal, so that the
    /// mandatory headers after it can still be read for the 400.
    /// </summary>
    private void IndexHeaders(ReadOnlySpan<byte> buf, int pos)
    {
        HeaderSectionStart = pos;
        int len = buf.Length;
        while (true)
        {
            if (pos >= len)
            {
                SetError(SipParseErrors.MissingHeaderTerminator);
                return;
            }

            if (buf[pos] == (byte)'\n')
            {
                EndHeaderSection(pos, pos + 1);
                return;
            }

            if (buf[pos] == (byte)'\r' && pos + 1 < len && buf[pos + 1] == (byte)'\n')
            {
                EndHeaderSection(pos, pos + 2);
                return;
            }

            int lineStart = pos;
            int contentEnd;
            int next;
            int scan = pos;
            while (true)
            {
                int lf = buf[scan..].IndexOf((byte)'\n');
                if (lf < 0)
                {
                    contentEnd = len;
                    next = len;
                    break;
                }

                int lfPos = scan + lf;
                next = lfPos + 1;
                contentEnd = lfPos > lineStart && buf[lfPos - 1] == (byte)'\r' ? lfPos - 1 : lfPos;
                if (next < len && buf[next] is (byte)' ' or (byte)'\t')
                {
                    scan = next;
                    continue;
                }

                break;
            }

            if (!AddHeader(buf, lineStart, contentEnd, next))
            {
                return;
            }

            pos = next;
        }
    }

    private void EndHeaderSection(int blankLineStart, int bodyStart)
    {
        BlankLineStart = blankLineStart;
        HeaderSectionEnd = bodyStart;
    }

    /// <summary>Indexes one (possibly folded) header line. Returns false to stop indexing (header limit).</summary>
    private bool AddHeader(ReadOnlySpan<byte> buf, int lineStart, int contentEnd, int lineEnd)
    {
        int colon = buf[lineStart..contentEnd].IndexOf((byte)':');
        if (colon < 0)
        {
            SetError(SipParseErrors.BadHeaderLine);
            return true;
        }

        // HCOLON = *( SP / HTAB ) ":" SWS — whitespace may precede the colon ("Via  :", RFC 4475 longreq).
        int colonPos = lineStart + colon;
        int nameEnd = colonPos;
        while (nameEnd > lineStart && buf[nameEnd - 1] is (byte)' ' or (byte)'\t')
        {
            nameEnd--;
        }

        // A recognised name is made of token characters by construction, so only unknown names need the check.
        var name = buf[lineStart..nameEnd];
        var kind = name.IsEmpty ? HeaderKind.Other : HeaderNames.Lookup(name);
        if (kind == HeaderKind.Other && !SipChars.IsAll(name, SipChars.Token))
        {
            SetError(SipParseErrors.BadHeaderLine);
            return true;
        }

        if (HeaderCount >= MaxHeaders)
        {
            SetError(SipParseErrors.TooManyHeaders);
            return false;
        }

        if (HeaderCount == _headers.Length)
        {
            // The only growth this object ever does: straight to the limit, so at most once per lifetime.
            Array.Resize(ref _headers, MaxHeaders);
        }

        int valueStart = SipChars.SkipLws(buf, colonPos + 1, contentEnd);
        int valueEnd = SipChars.TrimLwsEnd(buf, valueStart, contentEnd);
        var field = new HeaderField(
            kind,
            Segment.FromBounds(lineStart, nameEnd),
            Segment.FromBounds(valueStart, valueEnd));
        int k = (int)kind;
        if ((uint)k < (uint)_firstOfKind.Length)
        {
            if (_firstOfKind[k] < 0)
            {
                _firstOfKind[k] = HeaderCount;
            }
            else
            {
                _repeatedKinds |= 1 << k;
            }
        }

        _headers[HeaderCount++] = new HeaderEntry(field, lineEnd);
        return true;
    }
}
