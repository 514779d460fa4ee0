using System.Buffers;
using System.Buffers.Text;
using ScriptedSip.Core.Parsing;

namespace ScriptedSip.Core.Messages;

/// <summary>
/// Records edits against a parsed <see cref="SipMessage"/> without touching its buffer, then writes the
/// edited message in one pass (<see cref="WriteTo"/>). Edits refer to the original message: header
/// indexes stay those of the parse, whatever was inserted or removed before.
/// <para>
/// Reusable: keep one per worker and call <see cref="Reset"/> for each message. Inserted bytes are copied
/// into an internal scratch buffer rented from <see cref="ArrayPool{T}.Shared"/> that only grows, so after
/// warm-up editing allocates nothing.
/// </para>
/// <para>
/// Nothing is recomputed: Content-Length and the body are written as they are. Only the message itself
/// is written: leading CRLFs and bytes beyond Content-Length (RFC 3261 §18.3) are dropped.
/// Lines supplied by the caller get a CRLF if they do not already end with one.
/// </para>
/// </summary>
public sealed class SipMessageEditor
{
    private const int NoEdit = -1;

    private EditLump[] _edits = new EditLump[16];
    private int _editCount;
    private byte[] _scratch = ArrayPool<byte>.Shared.Rent(1024);
    private int _scratchUsed;
    private int _nextSequence;

    // Sequence numbers (not indexes: WriteTo sorts the array) of the edits a later call replaces.
    private int _requestUriEdit = NoEdit;
    private int _maxForwardsEdit = NoEdit;
    private bool _viaSourceMarked;
    private SipMessage? _message;

    /// <summary>The message being edited.</summary>
    public SipMessage Message => _message ?? throw new InvalidOperationException("Reset has not been called.");

    /// <summary>Number of recorded edits.</summary>
    public int EditCount => _editCount;

    /// <summary>Forgets all edits and starts editing <paramref name="message"/> (as it was parsed last).</summary>
    public void Reset(SipMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        _message = message;
        _editCount = 0;
        _nextSequence = 0;
        _scratchUsed = 0;
        _requestUriEdit = NoEdit;
        _maxForwardsEdit = NoEdit;
        _viaSourceMarked = false;
    }

    /// <summary>Replaces the Request-URI (requests only). A later call replaces the earlier one.</summary>
    public void SetRequestUri(ReadOnlySpan<byte> uri)
    {
        var msg = Message;
        if (!msg.IsRequest || msg.RequestUri.IsEmpty)
        {
            throw new InvalidOperationException("Only a request has a Request-URI.");
        }

        _requestUriEdit = Record(_requestUriEdit, msg.RequestUri.Start, msg.RequestUri.End, uri, addCrlf: false);
    }

    /// <summary>
    /// Inserts a header line at the top of the header section — before the first Via, so an inserted Via
    /// becomes the top one, and before any Record-Route. Several inserts keep the order they were made in.
    /// </summary>
    public void InsertTopHeader(ReadOnlySpan<byte> line)
    {
        int at = Message.HeaderSectionStart;
        Record(NoEdit, at, at, line, addCrlf: true);
    }

    /// <summary>Inserts a header line after the last header (before the empty line).</summary>
    public void AppendHeader(ReadOnlySpan<byte> line)
    {
        int at = AppendPosition();
        Record(NoEdit, at, at, line, addCrlf: true);
    }

    /// <summary>Removes the whole header line at <paramref name="index"/> (including folded continuations).</summary>
    public void RemoveHeader(int index)
    {
        var line = Message.HeaderLine(index);
        Record(NoEdit, line.Start, line.End, default, addCrlf: false);
    }

    /// <summary>
    /// Removes only the first comma-separated value of the header at <paramref name="headerIndex"/>
    /// (e.g. the Route entry that pointed at us), or the whole line if it has one value. Values are those of
    /// the original message, so calling this twice for the same header removes the same value once.
    /// </summary>
    public void RemoveFirstValue(int headerIndex)
    {
        var msg = Message;
        var values = msg.HeaderValues(headerIndex);
        values.MoveNext();
        var first = values.Current;
        if (!values.MoveNext())
        {
            RemoveHeader(headerIndex);
            return;
        }

        // From the first value up to the start of the second: drops the value, its comma and the LWS after it.
        Record(NoEdit, first.Start, values.Current.Start, default, addCrlf: false);
    }

    /// <summary>Removes the first Via value (relaying a response upstream, RFC 3261 §16.7 step 3). False if there is no Via.</summary>
    public bool RemoveTopVia()
    {
        int index = Message.FindHeader(HeaderKind.Via);
        if (index < 0)
        {
            return false;
        }

        RemoveFirstValue(index);
        return true;
    }

    /// <summary>
    /// RFC 3261 §18.2.1 and RFC 3581 §4 for a request that is passed on: its top Via gets
    /// <c>;received=</c><paramref name="sourceIp"/> when the sent-by host differs from the address the
    /// request came from (a host name always does) or when it has rport; a received already there is
    /// replaced, and <c>rport</c> (with or without a value) gets <paramref name="sourcePort"/>. The reply
    /// then finds its way back by address, without DNS and through NAT. Once per message: a second
    /// call changes nothing (a request passed on to several branches is marked once). False when
    /// nothing changed.
    /// </summary>
    public bool MarkTopViaSource(ReadOnlySpan<byte> sourceIp, int sourcePort)
    {
        var msg = Message;
        if (_viaSourceMarked)
        {
            return false;
        }

        _viaSourceMarked = true;
        var top = msg.TopVia;
        if (top.Host.IsEmpty || sourceIp.IsEmpty)
        {
            return false;
        }

        var host = msg.Span(top.Host);
        if (host.Length >= 2 && host[0] == (byte)'[' && host[^1] == (byte)']')
        {
            host = host[1..^1];
        }

        // As Kamailio does, an rport or received the sender wrote is overwritten with what the packet
        // shows: a reply must go where the request came from, never where its Via says to send it.
        var setRport = top.HasRport && sourcePort >= 0 && !top.RportParam.IsEmpty;
        var setReceived = top.HasRport || !top.Received.IsEmpty || !System.Text.Ascii.EqualsIgnoreCase(host, sourceIp);
        if (setRport)
        {
            Span<byte> rport = stackalloc byte[16];
            "rport="u8.CopyTo(rport);
            Utf8Formatter.TryFormat(sourcePort, rport[6..], out var digits);
            Record(NoEdit, top.RportParam.Start, top.RportParam.End, rport[..(6 + digits)], addCrlf: false);
        }

        if (setReceived && top.Received.IsEmpty)
        {
            Span<byte> received = stackalloc byte[64];
            ";received="u8.CopyTo(received);
            var length = Math.Min(sourceIp.Length, received.Length - 10);
            sourceIp[..length].CopyTo(received[10..]);
            Record(NoEdit, top.Whole.End, top.Whole.End, received[..(10 + length)], addCrlf: false);
        }
        else if (setReceived)
        {
            Record(NoEdit, top.Received.Start, top.Received.End, sourceIp, addCrlf: false);
        }

        return setRport || setReceived;
    }

    /// <summary>
    /// Sets Max-Forwards (clamped to 0-255), replacing the value of the existing header or appending one.
    /// A later call replaces the earlier one.
    /// </summary>
    public void SetMaxForwards(int value)
    {
        var msg = Message;
        Span<byte> digits = stackalloc byte[16];
        Utf8Formatter.TryFormat(Math.Clamp(value, 0, 255), digits, out int n);
        int index = msg.FindHeader(HeaderKind.MaxForwards);
        if (index >= 0)
        {
            var v = msg.Header(index).Value;
            _maxForwardsEdit = Record(_maxForwardsEdit, v.Start, v.End, digits[..n], addCrlf: false);
            return;
        }

        Span<byte> line = stackalloc byte[32];
        "Max-Forwards: "u8.CopyTo(line);
        digits[..n].CopyTo(line[14..]);
        int at = AppendPosition();
        _maxForwardsEdit = Record(_maxForwardsEdit, at, at, line[..(14 + n)], addCrlf: true);
    }

    /// <summary>
    /// Writes the edited message. Returns bytes written, or -1 if it does not fit or the message was not
    /// parsed <see cref="SipParseStatus.Ok"/> (an unframed message cannot be forwarded).
    /// </summary>
    public int WriteTo(Span<byte> destination)
    {
        var msg = Message;
        if (msg.Status != SipParseStatus.Ok)
        {
            return -1;
        }

        SortEdits();
        var buf = msg.Buffer.Span;
        int end = msg.Body.IsEmpty ? msg.HeaderSectionEnd : msg.Body.End;
        int cursor = msg.StartLineStart;
        var w = new ByteWriter(destination);
        for (int i = 0; i < _editCount; i++)
        {
            ref readonly var e = ref _edits[i];
            int start = e.Start;
            if (start < cursor)
            {
                // Starts inside an earlier deletion/replacement: an insertion or an edit wholly inside it
                // has nothing left to attach to; one that reaches past it applies to the remainder.
                if (e.End <= cursor)
                {
                    continue;
                }

                start = cursor;
            }

            w.Write(buf[cursor..start]);
            w.Write(_scratch.AsSpan(e.DataOffset, e.Length));
            cursor = Math.Max(cursor, e.End);
        }

        w.Write(buf[cursor..end]);
        return w.Result;
    }

    private int AppendPosition()
    {
        var msg = Message;
        return msg.BlankLineStart >= 0 ? msg.BlankLineStart : msg.Buffer.Length;
    }

    /// <summary>Stores an edit (or overwrites the edit with sequence <paramref name="existing"/>) and returns its sequence.</summary>
    private int Record(int existing, int start, int end, ReadOnlySpan<byte> data, bool addCrlf)
    {
        if (addCrlf)
        {
            // Normalise caller lines to exactly one CRLF terminator.
            while (!data.IsEmpty && data[^1] is (byte)'\r' or (byte)'\n')
            {
                data = data[..^1];
            }
        }

        int length = data.Length + (addCrlf ? 2 : 0);
        EnsureScratch(length);
        int offset = _scratchUsed;
        data.CopyTo(_scratch.AsSpan(offset));
        if (addCrlf)
        {
            _scratch[offset + data.Length] = (byte)'\r';
            _scratch[offset + data.Length + 1] = (byte)'\n';
        }

        _scratchUsed += length;

        int index = existing == NoEdit ? NoEdit : IndexOfSequence(existing);
        if (index == NoEdit)
        {
            if (_editCount == _edits.Length)
            {
                Array.Resize(ref _edits, _edits.Length * 2);
            }

            index = _editCount++;
            _edits[index].Sequence = _nextSequence++;
        }

        ref var e = ref _edits[index];
        e.Start = start;
        e.End = end;
        e.DataOffset = offset;
        e.Length = length;
        return e.Sequence;
    }

    private int IndexOfSequence(int sequence)
    {
        for (int i = 0; i < _editCount; i++)
        {
            if (_edits[i].Sequence == sequence)
            {
                return i;
            }
        }

        return NoEdit;
    }

    private void EnsureScratch(int extra)
    {
        if (_scratchUsed + extra <= _scratch.Length)
        {
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_scratch.Length * 2, _scratchUsed + extra));
        _scratch.AsSpan(0, _scratchUsed).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_scratch);
        _scratch = bigger;
    }

    /// <summary>
    /// Insertion sort: there are only a handful of edits, it needs no comparer object, and being stable
    /// (with the sequence tie-break) it keeps inserts at one position in the order they were made.
    /// </summary>
    private void SortEdits()
    {
        for (int i = 1; i < _editCount; i++)
        {
            var item = _edits[i];
            int j = i - 1;
            while (j >= 0 && item.SortsBefore(_edits[j]))
            {
                _edits[j + 1] = _edits[j];
                j--;
            }

            _edits[j + 1] = item;
        }
    }
}
