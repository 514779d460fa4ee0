namespace ScriptedSip.IntegrationTests.Infrastructure;

/// <summary>
/// A throw-away content root: hostsettings.json, scripts/ and plugins/ in a temp folder, the
/// same layout a real deployment has. Deleted on dispose.
/// </summary>
public sealed class TestDeployment : IDisposable
{
    public const string MemoryTargetName = "memory";

    private static readonly System.Text.Json.JsonDocumentOptions Lenient = new() { AllowTrailingCommas = true, CommentHandling = System.Text.Json.JsonCommentHandling.Skip };

    public TestDeployment(string? settingsJson = null)
    {
        Root = Path.Combine(Path.GetTempPath(), "scriptedsip-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(ScriptsPath);
        Directory.CreateDirectory(Path.Combine(Root, "plugins"));
        File.WriteAllText(Path.Combine(Root, "hostsettings.json"), settingsJson ?? DefaultSettings());
    }

    public string Root { get; }

    public string ScriptsPath => Path.Combine(Root, "scripts");

    /// <summary>Settings for tests: an ephemeral port, one worker, logs kept in memory, no compile cache.</summary>
    public static string DefaultSettings(string extraSections = "") => $$$"""
        {
          "Sip": { "Listen": [ "udp:127.0.0.1:0" ], "Workers": 2 },
          "Scripts": { "CachePath": "", "ReloadDebounceMs": 100 },
          {{{extraSections}}}
          "NLog": {
            "targets": { "{{{MemoryTargetName}}}": { "type": "Memory", "layout": "${level:uppercase=true} ${logger}: ${message}${onexception:inner= ${exception:format=message}}", "maxLogsCount": 5000 } },
            "rules": [ { "logger": "Microsoft.*", "maxLevel": "Info", "final": true }, { "logger": "*", "minLevel": "Debug", "writeTo": "{{{MemoryTargetName}}}" } ]
          }
        }
        """;

    public TestDeployment WithScript(string name, string code)
    {
        var path = Path.Combine(ScriptsPath, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, code);
        return this;
    }

    /// <summary>
    /// Copies the scripts shipped in the repository's scripts/ folder and what they need to run as
    /// shipped: the plugins they call (Registrar, Auth, Permissions — nosip_msg.csx checks the trusted
    /// group) and the shipped <c>Plugins:Permissions</c> section. Unless the settings configure <c>Plugins:Auth</c> themselves, authentication
    /// is switched off: most tests use the shipped scripts as a plain proxy on a trusted network.
    /// </summary>
    public TestDeployment WithShippedScripts()
    {
        WithShippedPlugin("Registrar").WithShippedPlugin("Auth").WithShippedPlugin("Permissions");
        WithShippedSettings("Plugins", "Permissions");
        var settings = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(SettingsPath), documentOptions: Lenient)!.AsObject();
        if (settings["Plugins"] is not System.Text.Json.Nodes.JsonObject plugins)
        {
            plugins = [];
            settings["Plugins"] = plugins;
        }

        if (plugins["Auth"] is null)
        {
            plugins["Auth"] = new System.Text.Json.Nodes.JsonObject { ["Enabled"] = false };
        }

        File.WriteAllText(SettingsPath, settings.ToJsonString());
        return CopyShippedScripts();
    }

    /// <summary>Copies only the scripts shipped in the repository's scripts/ folder.</summary>
    public TestDeployment CopyShippedScripts()
    {
        var shipped = Path.Combine(TestContext.CurrentContext.TestDirectory, "ShippedScripts");
        foreach (var file in Directory.GetFiles(shipped, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(ScriptsPath, Path.GetRelativePath(shipped, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }

        return this;
    }

    public string PluginsPath => Path.Combine(Root, "plugins");

    public string SettingsPath => Path.Combine(Root, "hostsettings.json");

    /// <summary>Copies one section of the repository's shipped hostsettings.json into this deployment's (replacing it there).</summary>
    public TestDeployment WithShippedSettings(params string[] path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var shipped = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(BuildOutput("RepoRoot"), "hostsettings.json")), documentOptions: Lenient)!;
        var section = path.Aggregate(shipped, (node, key) => node[key]!);
        return WithSettings(section.DeepClone(), path);
    }

    /// <summary>Sets the JSON value at <paramref name="path"/> in this deployment's hostsettings.json (creating the sections on the way), written in one step.</summary>
    public TestDeployment WithSettings(System.Text.Json.Nodes.JsonNode value, params string[] path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var root = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(SettingsPath), documentOptions: Lenient)!.AsObject();
        System.Text.Json.Nodes.JsonNode node = root;
        foreach (var key in path[..^1])
        {
            node = node is System.Text.Json.Nodes.JsonArray array
                ? array[int.Parse(key, System.Globalization.CultureInfo.InvariantCulture)]!
                : (node[key] ??= new System.Text.Json.Nodes.JsonObject());
        }

        if (node is System.Text.Json.Nodes.JsonArray list)
        {
            list[int.Parse(path[^1], System.Globalization.CultureInfo.InvariantCulture)] = value;
        }
        else
        {
            node[path[^1]] = value;
        }

        var temporary = SettingsPath + ".tmp";
        File.WriteAllText(temporary, root.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        File.Move(temporary, SettingsPath, overwrite: true);
        return this;
    }

    /// <summary>Copies a built test plugin (tests/TestPlugins/_out/PROJECT) into plugins/FOLDER/, renaming the main DLL to FOLDER.dll.</summary>
    public TestDeployment WithTestPlugin(string project, string folder, string? mainDll = null)
    {
        var source = Path.Combine(BuildOutput("TestPluginsOutput"), project);
        CopyPlugin(source, folder, mainDll ?? project);
        return this;
    }

    /// <summary>Copies a plugin shipped in the repository's plugins/ folder (built with the solution).</summary>
    public TestDeployment WithShippedPlugin(string name)
    {
        CopyPlugin(Path.Combine(BuildOutput("ShippedPlugins"), name), name, name);
        return this;
    }

    public void CopyPlugin(string source, string folder, string mainDll)
    {
        var target = Path.Combine(PluginsPath, folder);
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(source).Where(f => f.EndsWith(".dll", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal)))
        {
            var name = Path.GetFileName(file);
            if (Path.GetFileNameWithoutExtension(file) == mainDll)
            {
                name = folder + Path.GetExtension(file);
            }
            else if (name.StartsWith(mainDll + ".", StringComparison.Ordinal))
            {
                name = folder + name[mainDll.Length..];
            }

            File.Copy(file, Path.Combine(target, name), overwrite: true);
        }
    }

    public static string BuildOutput(string key) =>
        typeof(TestDeployment).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>()
            .First(a => a.Key == key).Value!;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
