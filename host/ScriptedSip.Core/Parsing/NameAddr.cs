namespace ScriptedSip.Core.Parsing;

/// <summary>
/// From / To (and Contact-like) value: <c>( name-addr / addr-spec ) *( SEMI param )</c>. Segments are
/// offsets into <see cref="SipMessage.Buffer"/>.
/// </summary>
/// <param name="Uri">The URI without angle brackets.</param>
/// <param name="Tag">The tag parameter value, empty if absent.</param>
/// <param name="DisplayName">
/// Display name without the surrounding quotes (quoted-pair backslashes are kept as written), or the
/// token sequence as written; empty if absent.
/// </param>
public readonly record struct NameAddr(Segment Uri, Segment Tag, Segment DisplayName)
{
    /// <summary>The whole header value this was parsed from (trimmed).</summary>
    public Segment Whole { get; init; }
}
