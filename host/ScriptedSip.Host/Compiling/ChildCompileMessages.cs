using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Host.Compiling;

/// <summary>What the server asks of a compiler process (a JSON file in the compile's own folder).</summary>
internal sealed record ChildCompileRequest(
    string ScriptsDirectory,
    string TreeHash,
    Dictionary<string, RouteKind?> Kinds,
    List<ChildCompilePlugin> Plugins,
    string Output);

/// <summary>A plugin assembly the scripts compile against, written to a file for the compiler process.</summary>
internal sealed record ChildCompilePlugin(string Name, string Path);

/// <summary>What the compiler process answers: the compile errors (empty on success) and how many routes it compiled.</summary>
internal sealed record ChildCompileResult(List<string> Errors, int Compiled);
