namespace ScriptedSip.Scripts.Tests.Infrastructure;

/// <summary>Paths inside this checkout.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string Scripts => Path.Combine(Root, "scripts");

    public static string Plugin(string name) => Path.Combine(Root, "plugins", name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ScriptedSip.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ScriptedSip.sln not found above " + AppContext.BaseDirectory);
    }
}
