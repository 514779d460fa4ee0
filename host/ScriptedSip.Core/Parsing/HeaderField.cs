namespace ScriptedSip.Core.Parsing;

/// <summary>
/// One header line as indexed by the parser. <paramref name="Value"/> is trimmed of surrounding LWS and,
/// for folded headers, still contains the raw continuation line breaks (value parsers treat them as LWS).
/// </summary>
public readonly record struct HeaderField(HeaderKind Kind, Segment Name, Segment Value);
