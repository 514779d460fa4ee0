using System.Collections.Immutable;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ScriptedSip.Scripting;

/// <summary>
/// Compiled routes on disk, so a restart with unchanged scripts skips Roslyn entirely. The key
/// covers every script and assembly under the scripts folder (a #load helper changes every route),
/// the reference set (with the hash of every plugin assembly the scripts compile against), the
/// host and runtime versions, and the route name.
/// </summary>
public sealed partial class CompiledScriptCache
{
    private readonly string? _directory;
    private readonly ILogger _logger;

    public CompiledScriptCache(string? directory, ILogger<CompiledScriptCache>? logger = null)
    {
        _directory = string.IsNullOrWhiteSpace(directory) ? null : directory;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    public bool Enabled => _directory is not null;

    /// <summary>The cache folder; null when there is no cache.</summary>
    public string? Directory => _directory;

    public static string TreeHash(string scriptsDir, ScriptReferenceSet references)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Append(hash, typeof(CompiledScriptCache).Assembly.ManifestModule.ModuleVersionId.ToString());
        Append(hash, Environment.Version.ToString());
        Append(hash, references.Fingerprint);
        var files = System.IO.Directory.EnumerateFiles(scriptsDir, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".csx", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal);
        foreach (var file in files)
        {
            Append(hash, Path.GetRelativePath(scriptsDir, file));
            hash.AppendData(File.ReadAllBytes(file));
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }

    public static string RouteKey(string treeHash, string routeName, string sourcePath) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(treeHash + "|" + routeName + "|" + sourcePath)))[..32];

    /// <summary>
    /// Whether a load of exactly this tree once succeeded: its route graph was checked and every
    /// route compiled. Only then may a load that finds every route in the cache skip reading the
    /// scripts' syntax (a tree that failed its graph check can still have its routes cached).
    /// </summary>
    public bool IsVerified(string treeHash) =>
        _directory is not null && File.Exists(Path.Combine(_directory, TreeMarker(treeHash)));

    public void MarkVerified(string treeHash)
    {
        if (_directory is null)
        {
            return;
        }

        try
        {
            System.IO.Directory.CreateDirectory(_directory);
            WriteAtomically(Path.Combine(_directory, TreeMarker(treeHash)), []);
        }
        catch (IOException)
        {
            // An optimisation only: the next load checks the graph again.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    public RouteImage? TryRead(string key)
    {
        if (_directory is null)
        {
            return null;
        }

        try
        {
            var basePath = Path.Combine(_directory, key);
            if (!File.Exists(basePath + ".dll"))
            {
                return null;
            }

            var refs = File.Exists(basePath + ".refs")
                ? File.ReadAllLines(basePath + ".refs").Where(l => l.Length > 0).ToImmutableArray()
                : [];
            var image = new RouteImage(File.ReadAllBytes(basePath + ".dll"), File.ReadAllBytes(basePath + ".pdb"), refs);
            if (!IsComplete(image, out var problem))
            {
                // A crash can leave a renamed file empty or cut (its data not yet on disk); loading it
                // would stop the host. The route is compiled again and the entry rewritten.
                LogTornEntry(_logger, basePath + ".dll", problem);
                return null;
            }

            return image;
        }
        catch (IOException)
        {
            return null; // a half-written or unreadable entry is a miss, not an error
        }
    }

    public void Write(string key, RouteImage image)
    {
        if (_directory is null)
        {
            return;
        }

        try
        {
            System.IO.Directory.CreateDirectory(_directory);
            var basePath = Path.Combine(_directory, key);
            WriteAtomically(basePath + ".pdb", image.Pdb);
            File.WriteAllLines(basePath + ".refs", image.ReferencedFiles);
            WriteAtomically(basePath + ".dll", image.Assembly); // last: its presence marks a complete entry
        }
        catch (IOException)
        {
            // The cache is an optimisation; a read-only deployment just compiles every start.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The assembly and its PDB are whole: headers, metadata and every section inside the file.</summary>
    private static bool IsComplete(RouteImage image, out string problem)
    {
        try
        {
            using var pe = new PEReader(ImmutableCollectionsMarshal.AsImmutableArray(image.Assembly));
            if (!pe.HasMetadata)
            {
                problem = "no metadata";
                return false;
            }

            foreach (var section in pe.PEHeaders.SectionHeaders)
            {
                if ((long)section.PointerToRawData + section.SizeOfRawData > image.Assembly.Length)
                {
                    problem = $"section {section.Name} ends past the end of the file ({image.Assembly.Length} bytes)";
                    return false;
                }
            }

            _ = pe.GetMetadataReader().GetAssemblyDefinition();
            using var pdb = MetadataReaderProvider.FromPortablePdbImage(ImmutableCollectionsMarshal.AsImmutableArray(image.Pdb));
            _ = pdb.GetMetadataReader().Documents.Count;
            problem = string.Empty;
            return true;
        }
        catch (BadImageFormatException ex)
        {
            problem = ex.Message;
            return false;
        }
    }

    [LoggerMessage(EventId = 2020, Level = LogLevel.Warning, Message = "compile cache entry {Path} cannot be read ({Problem}): the route is compiled again")]
    private static partial void LogTornEntry(ILogger logger, string path, string problem);

    private static string TreeMarker(string treeHash) => treeHash[..32] + ".verified";

    private static void WriteAtomically(string path, byte[] bytes)
    {
        var temp = path + "." + Environment.ProcessId + ".tmp";
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, path, overwrite: true);
    }

    private static void Append(IncrementalHash hash, string text)
    {
        hash.AppendData(Encoding.UTF8.GetBytes(text));
        hash.AppendData([0]);
    }
}
