using System.Text;
using Microsoft.CodeAnalysis;

namespace ScriptedSip.Scripting;

/// <summary>Resolves #load like the default resolver, except that the editor stub reads as an empty file.</summary>
internal sealed class EditorStubAwareResolver : SourceReferenceResolver
{
    private readonly SourceFileResolver _inner;

    public EditorStubAwareResolver(SourceFileResolver inner) => _inner = inner;

    public override string? NormalizePath(string path, string? baseFilePath) => _inner.NormalizePath(path, baseFilePath);

    public override string? ResolveReference(string path, string? baseFilePath) => _inner.ResolveReference(path, baseFilePath);

    public override Stream OpenRead(string resolvedPath) =>
        EditorStub.IsStub(resolvedPath) ? new MemoryStream(Encoding.UTF8.GetBytes("// editor stub: ignored at run time\n")) : _inner.OpenRead(resolvedPath);

    public override bool Equals(object? other) => other is EditorStubAwareResolver o && _inner.Equals(o._inner);

    public override int GetHashCode() => _inner.GetHashCode();
}
