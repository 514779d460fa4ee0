namespace ScriptedSip.Core.Parsing;

public sealed partial class SipMessage
{
    /// <summary>
    /// Reads and checks the headers every element relies on. Each value is read even when something else
    /// is already wrong, so an Invalid request still carries Via, From, To, Call-ID and CSeq for its 400.
    /// Single-valued headers that appear twice are rejected (RFC 4475 multi01, mcl01); the first one is used.
    /// </summary>
    private void ValidateHeaders(ReadOnlySpan<byte> buf)
    {
        ReadVias(buf);

        From = ReadNameAddr(buf, HeaderKind.From, SipParseErrors.MissingFrom, SipParseErrors.BadFrom, SipParseErrors.DuplicateFrom);
        To = ReadNameAddr(buf, HeaderKind.To, SipParseErrors.MissingTo, SipParseErrors.BadTo, SipParseErrors.DuplicateTo);

        int callId = FindSingle(HeaderKind.CallId, SipParseErrors.MissingCallId, SipParseErrors.DuplicateCallId);
        if (callId >= 0)
        {
            CallId = _headers[callId].Field.Value;
            if (!CallIdValidator.IsValid(Span(CallId)))
            {
                SetError(SipParseErrors.BadCallId);
            }
        }

        ReadCSeq(buf);

        int maxForwards = FindSingle(HeaderKind.MaxForwards, null, SipParseErrors.DuplicateMaxForwards);
        if (maxForwards >= 0)
        {
            // The value range is 0-255 (RFC 3261 §20.22); 300 is invalid (RFC 4475 scalar02).
            MaxForwards = SipNumbers.TryParseInt(Span(_headers[maxForwards].Field.Value), 255, out int mf) ? mf : -1;
            if (MaxForwards < 0)
            {
                SetError(SipParseErrors.BadMaxForwards);
            }
        }

        int contentLength = FindSingle(HeaderKind.ContentLength, null, SipParseErrors.DuplicateContentLength);
        if (contentLength >= 0)
        {
            ContentLength = SipNumbers.TryParseInt(Span(_headers[contentLength].Field.Value), int.MaxValue, out int cl) ? cl : -1;
            if (ContentLength < 0)
            {
                SetError(SipParseErrors.BadContentLength); // "-999" (RFC 4475 ncl) lands here
            }
        }
    }

    /// <summary>
    /// Counts and checks every Via value across all Via lines; the first becomes <see cref="TopVia"/>.
    /// Every value is validated because a proxy forwards them all and a reply is routed by them.
    /// </summary>
    private void ReadVias(ReadOnlySpan<byte> buf)
    {
        int first = FindHeader(HeaderKind.Via);
        if (first < 0)
        {
            SetError(SipParseErrors.MissingVia);
            return;
        }

        int count = 0;
        int last = (_repeatedKinds & (1 << (int)HeaderKind.Via)) != 0 ? HeaderCount - 1 : first;
        for (int i = first; i <= last; i++)
        {
            var field = _headers[i].Field;
            if (field.Kind != HeaderKind.Via)
            {
                continue;
            }

            foreach (var value in new HeaderValueEnumerator(buf, field.Value))
            {
                bool ok = ViaParser.TryParse(buf, value.Start, value.End, out var via);
                if (count == 0)
                {
                    TopVia = via;
                }

                if (!ok)
                {
                    SetError(SipParseErrors.BadVia);
                }

                count++;
            }
        }

        ViaCount = count;
    }

    private NameAddr ReadNameAddr(ReadOnlySpan<byte> buf, HeaderKind kind, string missing, string bad, string duplicate)
    {
        int index = FindSingle(kind, missing, duplicate);
        if (index < 0)
        {
            return default;
        }

        var value = _headers[index].Field.Value;
        if (!NameAddrParser.TryParse(buf, value.Start, value.End, out var result))
        {
            SetError(bad);
            return new NameAddr(default, default, default) { Whole = value };
        }

        return result;
    }

    private void ReadCSeq(ReadOnlySpan<byte> buf)
    {
        int index = FindSingle(HeaderKind.CSeq, SipParseErrors.MissingCSeq, SipParseErrors.DuplicateCSeq);
        if (index < 0)
        {
            return;
        }

        var value = _headers[index].Field.Value;
        bool ok = CSeqParser.TryParse(buf, value.Start, value.End, out uint number, out var method);
        CSeqNumber = number;
        CSeqMethod = method;
        CSeqMethodKind = SipMethods.Parse(Span(method));
        if (!ok)
        {
            SetError(SipParseErrors.BadCSeq);
            return;
        }

        if (!IsRequest)
        {
            Method = CSeqMethodKind;
        }
        else if (!Span(method).SequenceEqual(Span(MethodToken)))
        {
            // RFC 3261 §8.1.1.5: the CSeq method MUST match the request method (RFC 4475 mismatch01/02).
            SetError(SipParseErrors.CSeqMethodMismatch);
        }
    }

    /// <summary>Index of the header that must appear at most once; reports it missing (if required) or duplicated.</summary>
    private int FindSingle(HeaderKind kind, string? missing, string duplicate)
    {
        int index = FindHeader(kind);
        if (index < 0)
        {
            if (missing is not null)
            {
                SetError(missing);
            }
        }
        else if ((_repeatedKinds & (1 << (int)kind)) != 0)
        {
            SetError(duplicate);
        }

        return index;
    }
}
