namespace ScriptedSip.Testing;

/// <summary>What a <see cref="RouteTestHost"/> runs: the scripts, the plugins, settings, names to resolve.</summary>
public sealed class RouteTestOptions
{
    /// <param name="scriptsPath">The scripts folder (<c>Scripts:Path</c>), used in place: a <see cref="RouteTestHost.Reload"/> compiles what is there then.</param>
    public RouteTestOptions(string scriptsPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(scriptsPath);
        ScriptsPath = Path.GetFullPath(scriptsPath);
    }

    /// <summary>The scripts folder, as a full path.</summary>
    public string ScriptsPath { get; }

    /// <summary>
    /// Plugin folders and their names: each folder is a plugin's build output holding <c>NAME.dll</c>.
    /// It is loaded exactly as the server loads <c>plugins/NAME/</c>.
    /// </summary>
    public IList<KeyValuePair<string, string>> PluginFolders { get; } = [];

    /// <summary>
    /// Configuration keys as in hostsettings.json, by their full name: <c>["Plugins:Htable:Tables:t:Size"] = "100"</c>,
    /// <c>["Transactions:FrTimerMs"] = "5000"</c>. Checked as the server checks them (an unknown key stops the start).
    /// </summary>
    public IDictionary<string, string> Settings { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Host names in destination URIs and the address each resolves to (<c>["example.com"] = "192.0.2.20"</c>).
    /// No test talks to DNS: a name not listed here fails to resolve, as an unknown name does in the server.
    /// </summary>
    public IDictionary<string, string> HostNames { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The compiled-script cache (<c>Scripts:CachePath</c>); default: one shared folder under the
    /// temporary folder, so a second host on unchanged scripts starts without compiling. Empty = off.
    /// </summary>
    public string? CachePath { get; set; } = Path.Combine(Path.GetTempPath(), "scriptedsip-testing", "cache");

    /// <summary>Where a request is sent from when neither the request nor the send names an address.</summary>
    public string DefaultSource { get; set; } = "192.0.2.10:5060";

    /// <summary>Also writes every log line here as it happens (e.g. <c>TestContext.Progress.WriteLine</c>).</summary>
    public Action<string>? LogOutput { get; set; }

    /// <summary>Adds a plugin folder (see <see cref="PluginFolders"/>); its name is the folder's name unless given.</summary>
    public RouteTestOptions WithPlugin(string folder, string? name = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        var full = Path.GetFullPath(folder);
        PluginFolders.Add(new(full, name ?? Path.GetFileName(full.TrimEnd(Path.DirectorySeparatorChar))));
        return this;
    }

    /// <summary>Fluent form of <see cref="Settings"/>.</summary>
    public RouteTestOptions WithSetting(string key, string value)
    {
        Settings[key] = value;
        return this;
    }

    /// <summary>Fluent form of <see cref="HostNames"/>.</summary>
    public RouteTestOptions WithHost(string name, string address)
    {
        HostNames[name] = address;
        return this;
    }
}
