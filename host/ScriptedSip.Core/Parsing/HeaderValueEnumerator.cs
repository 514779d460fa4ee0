namespace ScriptedSip.Core.Parsing;

/// <summary>
/// Splits a header value into its comma-separated elements (RFC 3261 §7.3.1) without allocating.
/// Commas inside quoted-strings and inside &lt;...&gt; are not separators: a display name or a SIP URI
/// user part may legally contain ','. Yields trimmed segments; empty elements are yielded too so
/// callers can reject them (RFC 4475 badinv01).
/// </summary>
public ref struct HeaderValueEnumerator
{
    private readonly ReadOnlySpan<byte> _buffer;
    private readonly int _end;
    private int _pos;
    private bool _done;

    internal HeaderValueEnumerator(ReadOnlySpan<byte> buffer, Segment value)
    {
        _buffer = buffer;
        _pos = value.Start;
        _end = value.End;
        _done = false;
        Current = default;
    }

    /// <summary>The current element (offsets into the message buffer).</summary>
    public Segment Current { get; private set; }

    public readonly HeaderValueEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_done)
        {
            return false;
        }

        int start = _pos;
        int i = start;
        bool inAngle = false;
        while (i < _end)
        {
            byte b = _buffer[i];
            if (b == (byte)'"')
            {
                int close = SipChars.SkipQuoted(_buffer, i, _end);
                i = close < 0 ? _end : close; // unterminated quote: the rest is one element
                continue;
            }

            if (b == (byte)'<')
            {
                inAngle = true;
            }
            else if (b == (byte)'>')
            {
                inAngle = false;
            }
            else if (b == (byte)',' && !inAngle)
            {
                break;
            }

            i++;
        }

        int s = SipChars.SkipLws(_buffer, start, i);
        int e = SipChars.TrimLwsEnd(_buffer, s, i);
        Current = Segment.FromBounds(s, e);
        if (i >= _end)
        {
            _done = true;
        }
        else
        {
            _pos = i + 1;
        }

        return true;
    }
}
