using System.Text.Json;
using ScriptedSip.Scripting;

namespace ScriptedSip.Host.Compiling;

/// <summary>
/// The compiler process's side (<c>--compile-routes REQUEST.json</c>): compiles the scripts folder
/// against the framework and the plugin images named in the request into the request's output
/// folder, writes the result beside the request, and exits. It starts no server: no settings, no
/// sockets, no plugins run.
/// </summary>
internal static class CompileRoutesCommand
{
    public const string Argument = "--compile-routes";

    public const string ResultFileName = "result.json";

    public static int Run(string requestPath, TextWriter errorOutput)
    {
        try
        {
            var request = JsonSerializer.Deserialize<ChildCompileRequest>(File.ReadAllText(requestPath))
                ?? throw new InvalidDataException("empty request");
            var references = ScriptReferenceSet.CreateDefault()
                .WithAssemblies(request.Plugins.Select(p => (p.Name, File.ReadAllBytes(p.Path))));
            var loader = new RouteSetLoader(
                new CompiledScriptCache(request.Output),
                name => request.Kinds.TryGetValue(name, out var kind) ? kind : null);
            var (errors, compiled) = loader.CompileTree(request.ScriptsDirectory, request.TreeHash, references);
            var resultPath = Path.Combine(Path.GetDirectoryName(requestPath)!, ResultFileName);
            File.WriteAllText(resultPath, JsonSerializer.Serialize(new ChildCompileResult([.. errors], compiled)));
            return ScriptedSipApplication.ExitOk;
        }
        catch (Exception ex) when (ex is IOException or JsonException or InvalidDataException or UnauthorizedAccessException)
        {
            errorOutput.WriteLine($"error: {requestPath}: {ex.Message}");
            return ScriptedSipApplication.ExitConfigError;
        }
    }
}
