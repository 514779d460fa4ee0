namespace ScriptedSip.Core.Messages;

/// <summary>
/// One recorded edit ("lump"): replace the original bytes [Start, End) with <c>Length</c> bytes taken from
/// the editor's scratch buffer at <c>DataOffset</c>. Start == End is an insertion, Length == 0 a deletion.
/// Sequence orders edits at the same position by the order they were made.
/// </summary>
internal struct EditLump
{
    public int Start;
    public int End;
    public int DataOffset;
    public int Length;
    public int Sequence;

    public readonly bool IsInsertion => Start == End;

    /// <summary>
    /// Serialisation order: by position; at the same position insertions come before replacements and
    /// deletions (so a line inserted at the top is not swallowed by removing the original first line),
    /// then in the order the edits were made.
    /// </summary>
    public readonly bool SortsBefore(in EditLump other)
    {
        if (Start != other.Start)
        {
            return Start < other.Start;
        }

        if (IsInsertion != other.IsInsertion)
        {
            return IsInsertion;
        }

        return Sequence < other.Sequence;
    }
}
