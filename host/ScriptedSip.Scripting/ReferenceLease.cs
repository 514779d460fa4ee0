using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace ScriptedSip.Scripting;

/// <summary>
/// The metadata references of a <see cref="ScriptReferenceSet"/> for the time of one compile (or
/// several). A compilation must not outlive the lease it was created from: disposing the last
/// lease frees the framework metadata the references read.
/// </summary>
public sealed class ReferenceLease : IDisposable
{
    private FrameworkMetadata? _framework;

    internal ReferenceLease(ImmutableArray<MetadataReference> references, FrameworkMetadata framework)
    {
        References = references;
        _framework = framework;
    }

    public ImmutableArray<MetadataReference> References { get; }

    public void Dispose() => Interlocked.Exchange(ref _framework, null)?.Release();
}
