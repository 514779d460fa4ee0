using System.Text;

namespace ScriptedSip.Core.Parsing;

/// <summary>
/// A parsed SIP message that refers to the datagram it was parsed from instead of copying it.
/// <para>
/// Designed for reuse: keep one instance per worker and call <see cref="Parse"/> for every datagram.
/// Parsing indexes the header lines into an internal array (grown at most once, to
/// <see cref="MaxHeaders"/>) and eagerly checks only what every SIP element needs — start line, Via,
/// From, To, Call-ID, CSeq, Max-Forwards, Content-Length and framing. Everything else is read on demand
/// through <see cref="FindHeader(HeaderKind, int)"/>, <see cref="Span"/> and <see cref="HeaderValues"/>.
/// Nothing here allocates except <see cref="GetString"/>.
/// </para>
/// <para>
/// All segments are offsets into <see cref="Buffer"/>, which the caller must keep unchanged while the
/// message is in use (i.e. until the next <see cref="Parse"/>).
/// </para>
/// </summary>
public sealed partial class SipMessage
{
    /// <summary>Header lines beyond this make the message <see cref="SipParseStatus.Invalid"/> (<see cref="SipParseErrors.TooManyHeaders"/>).</summary>
    public const int MaxHeaders = 256;

    // Enough for nearly all real messages; a message with more headers grows the array once, to MaxHeaders.
    private const int InitialHeaderCapacity = 48;

    private HeaderEntry[] _headers = new HeaderEntry[InitialHeaderCapacity];

    // First index of each of the kinds the parser itself reads (Via..Content-Length are enum values 1-7)
    // and a bit per kind seen more than once, so validation never rescans the header index.
    private readonly int[] _firstOfKind = Enumerable.Repeat(-1, (int)HeaderKind.ContentLength + 1).ToArray();
    private int _repeatedKinds;

    /// <summary>Result of the last <see cref="Parse"/>.</summary>
    public SipParseStatus Status { get; private set; } = SipParseStatus.NotSip;

    /// <summary>
    /// Why the last message was <see cref="SipParseStatus.NotSip"/> or <see cref="SipParseStatus.Invalid"/>
    /// (one of the <see cref="SipParseErrors"/> constants, usable as a reason phrase); null when Ok.
    /// When several things are wrong, the first one found is reported (start line, framing, then headers).
    /// </summary>
    public string? Error { get; private set; }

    /// <summary>
    /// Status code a server should answer an Invalid request with: 505 for an unsupported SIP version
    /// (RFC 3261 §21.5.6, RFC 4475 §3.1.2.16), otherwise 400; 0 when Ok or NotSip.
    /// </summary>
    public int ErrorStatusCode { get; private set; }

    /// <summary>The datagram last given to <see cref="Parse"/>.</summary>
    public ReadOnlyMemory<byte> Buffer { get; private set; }

    /// <summary>True for a request, false for a response (meaningless when NotSip).</summary>
    public bool IsRequest { get; private set; }

    /// <summary>Request method; for responses the CSeq method.</summary>
    public SipMethod Method { get; private set; }

    /// <summary>The request method token as written (requests only).</summary>
    public Segment MethodToken { get; private set; }

    /// <summary>The Request-URI as written (requests only).</summary>
    public Segment RequestUri { get; private set; }

    /// <summary>Response status code (responses only), 0 if absent or invalid.</summary>
    public int StatusCode { get; private set; }

    /// <summary>Response reason phrase (may be empty).</summary>
    public Segment Reason { get; private set; }

    /// <summary>Number of indexed header lines.</summary>
    public int HeaderCount { get; private set; }

    /// <summary>Call-ID value (trimmed; set even when it failed validation).</summary>
    public Segment CallId { get; private set; }

    /// <summary>CSeq sequence number.</summary>
    public uint CSeqNumber { get; private set; }

    /// <summary>CSeq method token.</summary>
    public Segment CSeqMethod { get; private set; }

    /// <summary>CSeq method as an enum value.</summary>
    public SipMethod CSeqMethodKind { get; private set; }

    /// <summary>The first Via value (partially filled if it failed validation); <see cref="ViaInfo.None"/> if none.</summary>
    public ViaInfo TopVia { get; private set; } = ViaInfo.None;

    /// <summary>Number of Via values, counting comma-separated values across all Via header lines.</summary>
    public int ViaCount { get; private set; }

    /// <summary>The From header (first one).</summary>
    public NameAddr From { get; private set; }

    /// <summary>The To header (first one).</summary>
    public NameAddr To { get; private set; }

    /// <summary>Max-Forwards value, -1 if absent or invalid.</summary>
    public int MaxForwards { get; private set; } = -1;

    /// <summary>Content-Length value, -1 if absent or invalid.</summary>
    public int ContentLength { get; private set; } = -1;

    /// <summary>
    /// The body: Content-Length bytes after the header section (bytes beyond that are ignored, RFC 3261
    /// §18.3), or, without Content-Length, the rest of the datagram. Empty when the framing is broken.
    /// </summary>
    public Segment Body { get; private set; }

    /// <summary>Offset of the first body byte (just after the empty line), -1 if the header section is unterminated.</summary>
    public int HeaderSectionEnd { get; private set; } = -1;

    /// <summary>Offset of the start line (leading CRLFs skipped, RFC 3261 §7.5).</summary>
    internal int StartLineStart { get; private set; }

    /// <summary>Offset of the first header line (just after the start line).</summary>
    internal int HeaderSectionStart { get; private set; }

    /// <summary>Offset of the empty line ending the header section, -1 if there is none.</summary>
    internal int BlankLineStart { get; private set; } = -1;

    /// <summary>The bytes of a segment of <see cref="Buffer"/>.</summary>
    public ReadOnlySpan<byte> Span(Segment s) => Buffer.Span.Slice(s.Start, s.Length);

    /// <summary>Decodes a segment as UTF-8. Allocates: use only on demand (logging, scripts).</summary>
    public string GetString(Segment s) => Encoding.UTF8.GetString(Span(s));

    /// <summary>The header at <paramref name="index"/> (message order).</summary>
    public HeaderField Header(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)HeaderCount, nameof(index));
        return _headers[index].Field;
    }

    /// <summary>The raw header line(s) of <paramref name="index"/>, including folded continuation lines and the line terminator.</summary>
    public Segment HeaderLine(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)HeaderCount, nameof(index));
        ref readonly var e = ref _headers[index];
        return Segment.FromBounds(e.Field.Name.Start, e.LineEnd);
    }

    /// <summary>Comma-separated values of the header at <paramref name="index"/> (see <see cref="HeaderValueEnumerator"/>).</summary>
    public HeaderValueEnumerator HeaderValues(int index) => new(Buffer.Span, Header(index).Value);

    /// <summary>Index of the first header of <paramref name="kind"/> at or after <paramref name="startIndex"/>, or -1.</summary>
    public int FindHeader(HeaderKind kind, int startIndex = 0)
    {
        if (startIndex <= 0 && (uint)kind < (uint)_firstOfKind.Length && kind != HeaderKind.Other)
        {
            return _firstOfKind[(int)kind];
        }

        for (int i = Math.Max(startIndex, 0); i < HeaderCount; i++)
        {
            if (_headers[i].Field.Kind == kind)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// Index of the first header named <paramref name="name"/> at or after <paramref name="startIndex"/>, or -1.
    /// Case-insensitive; long and compact forms are equivalent ("v" finds "Via" and vice versa).
    /// </summary>
    public int FindHeader(ReadOnlySpan<char> name, int startIndex = 0)
    {
        var kind = HeaderNames.Lookup(name);
        if (kind != HeaderKind.Other)
        {
            return FindHeader(kind, startIndex);
        }

        var buf = Buffer.Span;
        for (int i = Math.Max(startIndex, 0); i < HeaderCount; i++)
        {
            var f = _headers[i].Field;
            if (f.Kind == HeaderKind.Other && Ascii.EqualsIgnoreCase(buf.Slice(f.Name.Start, f.Name.Length), name))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Parses the Request-URI; segments in the result are relative to <c>Span(RequestUri)</c>.</summary>
    public bool TryParseRequestUri(out SipUri uri)
    {
        if (!IsRequest || RequestUri.IsEmpty)
        {
            uri = default;
            return false;
        }

        return SipUriParser.TryParse(Span(RequestUri), out uri);
    }

    /// <summary>A header index entry: the field plus where its line (with terminator) ends, for editing.</summary>
    private readonly record struct HeaderEntry(HeaderField Field, int LineEnd);
}
