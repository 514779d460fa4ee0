namespace ScriptedSip.Scripting;

/// <summary>The <c>Scripts</c> section of hostsettings.json.</summary>
public sealed class ScriptsOptions
{
    public const string Section = "Scripts";

    /// <summary>Folder of the route scripts; relative paths resolve against the content root.</summary>
    public string Path { get; set; } = "scripts";

    /// <summary>Swap scripts in when their files change.</summary>
    public bool HotReload { get; set; } = true;

    /// <summary>Folder of compiled scripts, keyed by a hash of sources, references and host version. Empty = no cache.</summary>
    public string CachePath { get; set; } = ".cache/scripts";

    /// <summary>
    /// Compile in a short-lived child process of the server (when the server runs as its own
    /// program), so Roslyn never stays resident; false compiles inside the server.
    /// </summary>
    public bool CompileInChildProcess { get; set; } = true;

    /// <summary>A route running longer than this is reported with a warning (a stuck loop must not go unnoticed).</summary>
    public int RouteBudgetMs { get; set; } = 1000;

    /// <summary>Quiet time after the last file change before a reload starts (editors write in bursts).</summary>
    public int ReloadDebounceMs { get; set; } = 200;
}
