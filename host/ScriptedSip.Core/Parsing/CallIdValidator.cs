namespace ScriptedSip.Core.Parsing;

/// <summary>callid = word [ "@" word ] (RFC 3261 §25.1). Whitespace, a second '@' or an empty side are invalid.</summary>
internal static class CallIdValidator
{
    public static bool IsValid(ReadOnlySpan<byte> value)
    {
        int at = value.IndexOf((byte)'@');
        return at < 0
            ? SipChars.IsAll(value, SipChars.Word)
            : SipChars.IsAll(value[..at], SipChars.Word) && SipChars.IsAll(value[(at + 1)..], SipChars.Word);
    }
}
