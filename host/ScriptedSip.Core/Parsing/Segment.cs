namespace ScriptedSip.Core.Parsing;

/// <summary>
/// A byte range inside <see cref="SipMessage.Buffer"/> (or, for <see cref="SipUri"/>, inside the span that was parsed).
/// The parser hands out offsets instead of slices so results stay plain values that can be stored and
/// compared without holding on to spans or allocating strings.
/// </summary>
public readonly record struct Segment(int Start, int Length)
{
    /// <summary>The empty segment: used for "absent".</summary>
    public static readonly Segment None = new(0, 0);

    /// <summary>True when the segment covers no bytes (absent or present-but-empty).</summary>
    public bool IsEmpty => Length == 0;

    /// <summary>Offset one past the last byte.</summary>
    public int End => Start + Length;

    /// <summary>Builds a segment from a start and an exclusive end offset.</summary>
    public static Segment FromBounds(int start, int end) => new(start, end - start);
}
