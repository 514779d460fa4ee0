using System.Collections.Concurrent;

namespace ScriptedSip.Core.Processing;

/// <summary>Process-wide script variables ($shv): one dictionary shared by every worker and script version.</summary>
public sealed class SharedVariables
{
    public ConcurrentDictionary<string, object?> Values { get; } = new(StringComparer.Ordinal);
}
