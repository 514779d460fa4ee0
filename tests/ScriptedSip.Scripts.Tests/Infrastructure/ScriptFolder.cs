namespace ScriptedSip.Scripts.Tests.Infrastructure;

/// <summary>A temporary scripts folder: copies of existing scripts and scripts written by the test.</summary>
public sealed class ScriptFolder : IDisposable
{
    /// <param name="name">
    /// A name gives the folder a stable path (per checkout), so the compile cache — keyed by the
    /// scripts' paths and contents — serves it again in the next run; without one, a fresh folder.
    /// </param>
    public ScriptFolder(string? name = null)
    {
        var checkout = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Repository.Root)))[..12];
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "scriptedsip-scripts-tests", checkout, name ?? Guid.NewGuid().ToString("N")[..12]);
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }

        Directory.CreateDirectory(Path);

        // The shipped scripts #load the editor stub; the server reads it as an empty file, but it must be there.
        var editor = System.IO.Path.Combine(Path, ".editor");
        Directory.CreateDirectory(editor);
        File.Copy(System.IO.Path.Combine(Repository.Scripts, ".editor", "globals.csx"), System.IO.Path.Combine(editor, "globals.csx"));
    }

    public string Path { get; }

    /// <summary>Writes <paramref name="name"/> (e.g. <c>request_route.csx</c>) with <paramref name="code"/>.</summary>
    public ScriptFolder With(string name, string code)
    {
        File.WriteAllText(System.IO.Path.Combine(Path, name), code);
        return this;
    }

    /// <summary>Copies a script of the checkout (<c>scripts/RESUME.csx</c>) under its own name.</summary>
    public ScriptFolder Copy(string repositoryPath)
    {
        var source = System.IO.Path.Combine(Repository.Root, repositoryPath);
        File.Copy(source, System.IO.Path.Combine(Path, System.IO.Path.GetFileName(source)), overwrite: true);
        return this;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
