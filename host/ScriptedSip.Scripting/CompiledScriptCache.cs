using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;

namespace ScriptedSip.Scripting;

/// <summary>
/// Compiled routes on disk, so a restart with unchanged scripts skips Roslyn entirely. The key
/// covers every script and assembly under the scripts folder (a #load helper changes every route),
/// the reference set (with the hash of every plugin assembly the scripts compile against), the
/// host and runtime versions, and the route name.
/// </summary>
public sealed class CompiledScriptCache
{
    private readonly string? _directory;

    public CompiledScriptCache(string? directory) => _directory = string.IsNullOrWhiteSpace(directory) ? null : directory;

    public bool Enabled => _directory is not null;

    public static string TreeHash(string scriptsDir, ScriptReferenceSet references)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Append(hash, typeof(CompiledScriptCache).Assembly.ManifestModule.ModuleVersionId.ToString());
        Append(hash, Environment.Version.ToString());
        Append(hash, references.Fingerprint);
        var files = Directory.EnumerateFiles(scriptsDir, "*", SearchOption.AllDirectories)
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
            return new RouteImage(File.ReadAllBytes(basePath + ".dll"), File.ReadAllBytes(basePath + ".pdb"), refs);
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
            Directory.CreateDirectory(_directory);
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
