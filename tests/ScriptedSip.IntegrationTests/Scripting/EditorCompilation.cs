using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;

namespace ScriptedSip.IntegrationTests.Scripting;

/// <summary>
/// Compiles a script file the way an editor's C# script support does (OmniSharp, like csi): a plain
/// Roslyn script compilation of the file, its <c>#load</c> and <c>#r</c> resolved from disk relative
/// to the file, the framework's assemblies, csi's default imports — and no globals type and no
/// substitution of the editor stub, which is what the server does and an editor does not.
/// </summary>
internal static class EditorCompilation
{
    /// <summary>The namespaces OmniSharp imports into every .csx (csi's defaults).</summary>
    private static readonly string[] EditorImports =
        ["System", "System.IO", "System.Collections.Generic", "System.Diagnostics", "System.Dynamic", "System.Linq", "System.Linq.Expressions", "System.Text", "System.Threading.Tasks"];

    private static readonly Lazy<ImmutableArray<MetadataReference>> Framework = new(LoadFramework);

    /// <summary>Compiles <paramref name="text"/> as if it were the file at <paramref name="path"/> (its folder decides what #load and #r find).</summary>
    public static Compilation Compile(string path, string text)
    {
        var directory = Path.GetDirectoryName(path)!;
        var options = ScriptOptions.Default
            .WithFilePath(path)
            .WithReferences(Framework.Value)
            .WithImports(EditorImports)
            .WithSourceResolver(new SourceFileResolver(ImmutableArray<string>.Empty, directory))
            .WithMetadataResolver(ScriptMetadataResolver.Default.WithBaseDirectory(directory));
        return CSharpScript.Create(text, options).GetCompilation();
    }

    public static IReadOnlyList<string> Errors(Compilation compilation) =>
        [.. compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString())];

    /// <summary>The shared framework the tests run on, as an editor targeting the same runtime sees it.</summary>
    private static ImmutableArray<MetadataReference> LoadFramework()
    {
        var runtimeDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var builder = ImmutableArray.CreateBuilder<MetadataReference>();
        foreach (var path in Directory.GetFiles(runtimeDir, "*.dll"))
        {
            try
            {
                builder.Add(MetadataReference.CreateFromFile(path));
            }
            catch (BadImageFormatException)
            {
                // a native library of the runtime: not a reference
            }
        }

        return builder.ToImmutable();
    }
}
