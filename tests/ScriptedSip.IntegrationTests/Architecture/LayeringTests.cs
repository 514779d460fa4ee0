using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ScriptedSip.IntegrationTests.Architecture;

/// <summary>
/// The layers of the core, checked on the source with the compiler's semantic model (every name
/// bound to its symbol, so a local variable or a static call counts as much as a field): the
/// transaction layer talks to the transport seam and to scripts through one interface, never to
/// a concrete listener or to the script facade.
/// </summary>
public sealed class LayeringTests
{
    [Test]
    public void Transactions_ReferenceNeitherUdpListenerNorMessageContextNorAnythingInProcessing()
    {
        var (compilation, trees) = CompileCore();
        var offending = new List<string>();
        var boundTypes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tree in trees.Where(t => InFolder(t.FilePath, "Transactions")))
        {
            var model = compilation.GetSemanticModel(tree);
            foreach (var name in tree.GetRoot().DescendantNodes().OfType<SimpleNameSyntax>())
            {
                var symbol = model.GetSymbolInfo(name).Symbol;
                var type = symbol as ITypeSymbol ?? symbol?.ContainingType;
                if (type is null)
                {
                    continue;
                }

                var full = type.ToDisplayString();
                boundTypes.Add(full);
                if (full is "ScriptedSip.Core.Transport.UdpListener" or "ScriptedSip.Core.Processing.MessageContext"
                    || full.StartsWith("ScriptedSip.Core.Processing.", StringComparison.Ordinal))
                {
                    offending.Add($"{Path.GetFileName(tree.FilePath)}({name.GetLocation().GetLineSpan().StartLinePosition.Line + 1}): {full}");
                }
            }
        }

        // The check sees what the layer does use: without bound names it would prove nothing.
        Assert.That(boundTypes, Does.Contain("ScriptedSip.Core.Transport.ISipTransport").And.Contain("ScriptedSip.Core.Messages.InboundMessage").And.Contain("ScriptedSip.Core.Timers.TimerWheel"));
        Assert.That(offending, Is.Empty);
    }

    private static bool InFolder(string path, string folder) =>
        path.Replace('\\', '/').Contains("/ScriptedSip.Core/" + folder + "/", StringComparison.Ordinal);

    private static (CSharpCompilation Compilation, List<SyntaxTree> Trees) CompileCore()
    {
        var root = RepositoryRoot();
        var core = Path.Combine(root, "host", "ScriptedSip.Core");
        var parse = new CSharpParseOptions(LanguageVersion.Preview);
        var trees = Directory.GetFiles(core, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Replace('\\', '/').Contains("/obj/", StringComparison.Ordinal) && !f.Replace('\\', '/').Contains("/bin/", StringComparison.Ordinal))
            .Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), parse, f))
            .ToList();
        var globalUsings = CSharpSyntaxTree.ParseText(
            "global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; global using System.Threading; global using System.Threading.Tasks;", parse);
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Concat(Directory.GetFiles(AppContext.BaseDirectory, "*.dll"))
            .Where(p => !Path.GetFileName(p).StartsWith("ScriptedSip.Core", StringComparison.Ordinal))
            .GroupBy(Path.GetFileName)
            .Select(g => MetadataReference.CreateFromFile(g.First()));
        var compilation = CSharpCompilation.Create("LayeringCheck", [.. trees, globalUsings], references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        return (compilation, trees);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ScriptedSip.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("ScriptedSip.sln not found above the test directory");
    }
}
