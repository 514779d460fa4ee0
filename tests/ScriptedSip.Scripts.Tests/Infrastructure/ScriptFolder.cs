namespace ScriptedSip.Scripts.Tests.Infrastructure;

/// <summary>A temporary scripts folder: copies of existing scripts and scripts written by the test.</summary>
public sealed class ScriptFolder : IDisposable
{
    public ScriptFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "scriptedsip-scripts-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
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
