using System.Text.Json.Nodes;

namespace ScriptedSip.IntegrationTests.Infrastructure;

/// <summary>
/// A test deployment made from one folder of examples/. A folder with its own hostsettings.json is a
/// content root: its Transactions and Plugins sections (except the plugins path) and its scripts
/// folder are taken as they are, with the shipped plugins its Plugins section names; the listen
/// address and logging are the tests' own. A folder without one holds scripts meant to be copied
/// next to the shipped scripts.
/// </summary>
internal static class ExampleDeployment
{
    private static readonly System.Text.Json.JsonDocumentOptions Lenient = new() { AllowTrailingCommas = true, CommentHandling = System.Text.Json.JsonCommentHandling.Skip };

    public static string Folder(string example) => Path.Combine(TestContext.CurrentContext.TestDirectory, "Examples", example);

    public static TestDeployment Create(string example, string? settingsJson = null)
    {
        var folder = Folder(example);
        var settingsPath = Path.Combine(folder, "hostsettings.json");
        var deployment = new TestDeployment(settingsJson);
        if (!File.Exists(settingsPath))
        {
            deployment.WithShippedScripts();
            Copy(folder, deployment);
            return deployment;
        }

        var settings = JsonNode.Parse(File.ReadAllText(settingsPath), documentOptions: Lenient)!;
        if (settings["Transactions"] is { } transactions)
        {
            deployment.WithSettings(transactions.DeepClone(), "Transactions");
        }

        if (settings["Plugins"]?.AsObject() is { } plugins)
        {
            foreach (var (name, section) in plugins)
            {
                if (section is JsonObject)
                {
                    deployment.WithShippedPlugin(name).WithSettings(section.DeepClone(), "Plugins", name);
                }
            }
        }

        Copy(Path.Combine(folder, settings["Scripts"]?["Path"]?.GetValue<string>() ?? "scripts"), deployment);
        return deployment;
    }

    private static void Copy(string scripts, TestDeployment deployment)
    {
        foreach (var file in Directory.GetFiles(scripts, "*.csx", SearchOption.AllDirectories))
        {
            deployment.WithScript(Path.GetRelativePath(scripts, file), File.ReadAllText(file));
        }
    }
}
