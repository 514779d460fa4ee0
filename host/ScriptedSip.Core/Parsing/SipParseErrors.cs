namespace ScriptedSip.Core.Parsing;

/// <summary>
/// Reasons reported in <see cref="SipMessage.Error"/>. They are constants so reporting an error never
/// allocates, and they are worded to be usable directly as a 400 reason phrase.
/// </summary>
public static class SipParseErrors
{
    // NotSip
    public const string Empty = "Empty Datagram";
    public const string NotSip = "Not SIP";

    // Start line
    public const string BadRequestLine = "Bad Request Line";
    public const string BadRequestUri = "Bad Request-URI";
    public const string BadStatusLine = "Bad Status Line";
    public const string VersionNotSupported = "Version Not Supported";

    // Framing
    public const string MissingHeaderTerminator = "Missing Header Terminator";
    public const string BadHeaderLine = "Bad Header Line";
    public const string TooManyHeaders = "Too Many Headers";
    public const string ContentLengthExceedsDatagram = "Content-Length Exceeds Datagram";

    // Mandatory headers
    public const string MissingVia = "Missing Via";
    public const string MissingFrom = "Missing From";
    public const string MissingTo = "Missing To";
    public const string MissingCallId = "Missing Call-ID";
    public const string MissingCSeq = "Missing CSeq";

    public const string BadVia = "Bad Header Via";
    public const string BadFrom = "Bad Header From";
    public const string BadTo = "Bad Header To";
    public const string BadCallId = "Bad Header Call-ID";
    public const string BadCSeq = "Bad Header CSeq";
    public const string BadMaxForwards = "Bad Header Max-Forwards";
    public const string BadContentLength = "Bad Header Content-Length";

    public const string DuplicateFrom = "Duplicate From";
    public const string DuplicateTo = "Duplicate To";
    public const string DuplicateCallId = "Duplicate Call-ID";
    public const string DuplicateCSeq = "Duplicate CSeq";
    public const string DuplicateMaxForwards = "Duplicate Max-Forwards";
    public const string DuplicateContentLength = "Duplicate Content-Length";

    public const string CSeqMethodMismatch = "CSeq Method Mismatch";
}
