namespace TestPlugins.Dependency;

/// <summary>A library the MissingDependency plugin needs; the test leaves it out of the plugin folder.</summary>
public static class Needed
{
    public static string Value => "present";
}
