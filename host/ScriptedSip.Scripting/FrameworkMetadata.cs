using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace ScriptedSip.Scripting;

/// <summary>
/// The framework assemblies' metadata, shared by every compile running at the same time and
/// freed when the last one ends. Roslyn keeps a file's metadata in native memory until its
/// <see cref="AssemblyMetadata"/> is disposed (or finalized, much later): holding it for the
/// server's life cost about 45 MB of resident memory for the few seconds a compile needs it.
/// </summary>
internal sealed class FrameworkMetadata
{
    private readonly ImmutableArray<string> _paths;
    private readonly Lock _gate = new();
    // A class of its own, not fields of Roslyn's types here: the server creates this object at
    // start, and field types would make the runtime load Roslyn then, even with nothing to compile.
    private Loaded? _loaded;
    private int _holders;

    public FrameworkMetadata(ImmutableArray<string> paths) => _paths = paths;

    /// <summary>How many times the metadata was read.</summary>
    public int Reads { get; private set; }

    /// <summary>Whether some compile holds the metadata now.</summary>
    public bool Held
    {
        get
        {
            lock (_gate)
            {
                return _holders > 0;
            }
        }
    }

    public ImmutableArray<MetadataReference> Acquire()
    {
        lock (_gate)
        {
            if (_holders == 0)
            {
                _loaded = Read();
            }

            _holders++;
            return _loaded!.References;
        }
    }

    public void Release()
    {
        lock (_gate)
        {
            if (--_holders > 0)
            {
                return;
            }

            foreach (var metadata in _loaded!.Metadata)
            {
                metadata.Dispose();
            }

            _loaded = null;
        }
    }

    private Loaded Read()
    {
        var metadata = new List<AssemblyMetadata>(_paths.Length);
        var references = ImmutableArray.CreateBuilder<MetadataReference>(_paths.Length);
        foreach (var path in _paths)
        {
            try
            {
                var each = AssemblyMetadata.CreateFromFile(path);
                metadata.Add(each);
                references.Add(each.GetReference(filePath: path));
            }
            catch (BadImageFormatException)
            {
                // A native library listed among the platform assemblies: not a reference.
            }
        }

        Reads++;
        return new Loaded(metadata, references.ToImmutable());
    }

    private sealed record Loaded(List<AssemblyMetadata> Metadata, ImmutableArray<MetadataReference> References);
}
