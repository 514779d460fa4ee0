using System.Text.Json;

namespace ScriptedSip.Core.Tests.Parsing;

/// <summary>Access to the torture-test fixtures copied to the test output directory.</summary>
internal static class FixtureFiles
{
    private static readonly Dictionary<string, JsonDocument> Documents = [];

    public static string Root => Path.Combine(AppContext.BaseDirectory, "Fixtures");

    public static byte[] Read(string directory, string file) => File.ReadAllBytes(Path.Combine(Root, directory, file));

    /// <summary>The "messages" array of <c>Fixtures/{directory}/expected.json</c>.</summary>
    public static IEnumerable<JsonElement> Messages(string directory)
    {
        JsonDocument doc;
        lock (Documents)
        {
            if (!Documents.TryGetValue(directory, out doc!))
            {
                doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Root, directory, "expected.json")));
                Documents[directory] = doc;
            }
        }

        return doc.RootElement.GetProperty("messages").EnumerateArray();
    }

    /// <summary>Every fixture message file (both RFCs, archive and CRLF forms), for robustness tests.</summary>
    public static IEnumerable<string> AllMessageFiles() =>
        Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".md", StringComparison.Ordinal) && !f.EndsWith(".json", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
}
