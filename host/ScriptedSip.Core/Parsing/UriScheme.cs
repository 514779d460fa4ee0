namespace ScriptedSip.Core.Parsing;

/// <summary>scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) followed by ':' (RFC 3261 §25.1, RFC 3986).</summary>
internal static class UriScheme
{
    /// <summary>Length of the scheme (position of its ':'), or -1 if the URI does not start with one.</summary>
    public static int Length(ReadOnlySpan<byte> uri)
    {
        if (uri.IsEmpty || !SipChars.IsAlpha(uri[0]))
        {
            return -1;
        }

        int i = uri[1..].IndexOfAnyExcept(SipChars.SchemeTail) + 1;
        return i > 0 && uri[i] == (byte)':' && i + 1 < uri.Length ? i : -1;
    }
}
