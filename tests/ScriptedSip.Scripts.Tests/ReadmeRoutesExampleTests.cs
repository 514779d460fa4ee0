using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NUnit.Framework.Internal;
using ScriptedSip.Scripts.Tests.Infrastructure;

namespace ScriptedSip.Scripts.Tests;

/// <summary>
/// The README's "Testing your routes" example, taken from README.md as it is, compiled with Roslyn
/// and its tests run against the routes template's scripts: an example that no longer compiles or passes fails here.
/// </summary>
public sealed partial class ReadmeRoutesExampleTests
{
    // Everything the test process runs on: the framework, NUnit, ScriptedSip.Testing and its dependencies.
    private static readonly Lazy<List<MetadataReference>> References = new(() =>
        [.. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .DistinctBy(Path.GetFileName)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))]);

    [Test]
    public void Example_Compiles_AndEveryTestInItPasses()
    {
        var ran = Run(Compile(ExampleBlock()));

        Assert.That(ran, Is.EqualTo(new[] { "OptionsToTheProxy_IsAnsweredHere", "Invite_IsRecordRoutedAndRelayed_AndBusyComesBack", "NoAnswer_Is408_AfterThirtySeconds" }));
    }

    [Test]
    public void Example_WithAWrongExpectation_Fails()
    {
        var broken = ExampleBlock().Replace("Is.EqualTo(486)", "Is.EqualTo(487)", StringComparison.Ordinal);
        Assert.That(broken, Is.Not.EqualTo(ExampleBlock()), "the example still expects 486");
        var assembly = Compile(broken);

        // Isolated: the example's failing assertion must not count as this test's.
        using (new TestExecutionContext.IsolatedContext())
        {
            Assert.Throws<AssertionException>(() => Run(assembly));
        }
    }

    private static string ExampleBlock()
    {
        var readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md")).ReplaceLineEndings("\n");
        var match = Block().Match(readme);
        Assert.That(match.Success, Is.True, "README.md has no <!-- routes-test-example --> block");
        return match.Groups["code"].Value;
    }

    private static Assembly Compile(string code)
    {
        var compilation = CSharpCompilation.Create(
            "ReadmeRoutesExample" + Guid.NewGuid().ToString("N"),
            [CSharpSyntaxTree.ParseText(code, new CSharpParseOptions(LanguageVersion.Latest))],
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        using var image = new MemoryStream();
        var emit = compilation.Emit(image);
        var errors = emit.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()).ToList();
        Assert.That(errors, Is.Empty, "the README example does not compile cleanly");
        return Assembly.Load(image.ToArray());
    }

    /// <summary>Runs every [Test] of the example as NUnit would (SetUp, test, TearDown); returns their names in order.</summary>
    private static List<string> Run(Assembly assembly)
    {
        var ran = new List<string>();
        foreach (var type in assembly.GetTypes())
        {
            var methods = type.GetMethods().OrderBy(m => m.MetadataToken).ToList();
            foreach (var test in methods.Where(m => m.GetCustomAttribute<TestAttribute>() is not null))
            {
                var instance = Activator.CreateInstance(type)!;
                try
                {
                    Invoke(methods.Where(m => m.GetCustomAttribute<SetUpAttribute>() is not null), instance);
                    Invoke([test], instance);
                }
                finally
                {
                    Invoke(methods.Where(m => m.GetCustomAttribute<TearDownAttribute>() is not null), instance);
                }

                ran.Add(test.Name);
            }
        }

        return ran;
    }

    private static void Invoke(IEnumerable<MethodInfo> methods, object instance)
    {
        foreach (var method in methods)
        {
            try
            {
                method.Invoke(instance, null);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
            }
        }
    }

    [GeneratedRegex(@"<!-- routes-test-example -->\n```csharp\n(?<code>.*?)\n```", RegexOptions.Singleline)]
    private static partial Regex Block();
}
