using System.Collections.Immutable;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;
using Microsoft.CodeAnalysis.Scripting;
using Microsoft.CodeAnalysis.Text;
using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Scripting;

/// <summary>Compiles one route script file into an assembly image with its portable PDB.</summary>
public static class RouteCompiler
{
    /// <summary>Roslyn names a script's entry point this way; the loader binds it once per version.</summary>
    public const string EntryTypeName = "RouteScript";
    public const string EntryMethodName = "<Factory>";

    /// <summary>Namespaces every script sees without a using directive.</summary>
    public static readonly ImmutableArray<string> DefaultImports =
    [
        "System",
        "System.Collections.Generic",
        "System.Linq",
        "System.Text",
        "System.Text.RegularExpressions",
        "System.Threading.Tasks",
        "System.Net",
        "ScriptedSip.Sdk.Scripting",
    ];

    private static readonly CSharpParseOptions ParseOptions =
        new(LanguageVersion.Latest, DocumentationMode.None, SourceCodeKind.Script);

    public static RouteCompileResult Compile(string sourcePath, string assemblyName, ScriptReferenceSet references, RouteKind? kind, CancellationToken cancellationToken = default) =>
        Compile(sourcePath, assemblyName, references, kind is { } k ? [k] : [], cancellationToken);

    /// <param name="kinds">The kinds the route can run as: calls restricted with [RouteKinds] are checked against each, in the file and its #load helpers.</param>
    public static RouteCompileResult Compile(string sourcePath, string assemblyName, ScriptReferenceSet references, IReadOnlyCollection<RouteKind> kinds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(references);
        var scriptsDir = Path.GetDirectoryName(sourcePath)!;
        SourceText text;
        using (var stream = File.OpenRead(sourcePath))
        {
            text = SourceText.From(stream, Encoding.UTF8, canBeEmbedded: true);
        }

        var tree = ExitRewriter.Rewrite(CSharpSyntaxTree.ParseText(text, ParseOptions, sourcePath, cancellationToken));
        var options = new CSharpCompilationOptions(
            OutputKind.DynamicallyLinkedLibrary,
            usings: DefaultImports,
            optimizationLevel: OptimizationLevel.Release,
            allowUnsafe: false,
            nullableContextOptions: NullableContextOptions.Disable,
            deterministic: true,
            scriptClassName: EntryTypeName,
            sourceReferenceResolver: new EditorStubAwareResolver(new SourceFileResolver([scriptsDir], scriptsDir)),
            metadataReferenceResolver: ScriptMetadataResolver.Default.WithBaseDirectory(scriptsDir).WithSearchPaths(scriptsDir));

        // The compilation reads the references' metadata until the last diagnostic below; the
        // lease frees it afterwards (shared with any compile running at the same time).
        using var lease = references.Acquire();
        var compilation = CSharpCompilation.CreateScriptCompilation(
            assemblyName,
            tree,
            lease.References,
            options,
            previousScriptCompilation: null,
            returnType: typeof(object),
            globalsType: typeof(RouteGlobals));

        using var pe = new MemoryStream();
        using var pdb = new MemoryStream();
        var emit = compilation.Emit(
            pe,
            pdb,
            options: new EmitOptions(debugInformationFormat: DebugInformationFormat.PortablePdb),
            embeddedTexts: null,
            cancellationToken: cancellationToken);

        var errors = emit.Diagnostics
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d => d.ToString())
            .ToList();
        if (emit.Success)
        {
            // Every tree: the route file itself and the helpers it pulled in with #load.
            foreach (var routeKind in kinds ?? [])
            {
                foreach (var each in compilation.SyntaxTrees)
                {
                    errors.AddRange(RouteKindChecker.Check(compilation, ReferenceEquals(each, tree) ? tree : each, routeKind));
                }
            }

            errors = [.. errors.Distinct(StringComparer.Ordinal)];
        }

        if (!emit.Success || errors.Count > 0)
        {
            if (errors.Count == 0)
            {
                errors.Add($"{sourcePath}: error: compilation failed without a diagnostic");
            }

            return RouteCompileResult.Failed(errors);
        }

        // Assemblies that the script pulled in with #r (next to the scripts) must be loadable at run time.
        var referencedFiles = compilation.References
            .OfType<PortableExecutableReference>()
            .Select(r => r.FilePath)
            .Where(p => p is not null && p.StartsWith(scriptsDir, StringComparison.Ordinal))
            .Select(p => p!)
            .ToImmutableArray();

        return RouteCompileResult.Succeeded(new RouteImage(pe.ToArray(), pdb.ToArray(), referencedFiles));
    }
}
