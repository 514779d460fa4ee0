using Microsoft.CodeAnalysis;
using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.Scripting;

namespace ScriptedSip.IntegrationTests.Scripting;

/// <summary>
/// The editor stub (scripts/.editor/globals.csx): declares the SDK's globals with their exact
/// signatures, makes every shipped and example script compile in an editor, and is never compiled by
/// the server.
/// </summary>
public sealed class EditorStubTests
{
    private static readonly string RepoRoot = TestDeployment.BuildOutput("RepoRoot");
    private static readonly string ScriptsDir = Path.GetFullPath(Path.Combine(RepoRoot, "scripts"));
    private static readonly string StubPath = Path.Combine(ScriptsDir, EditorStub.FolderName, EditorStub.FileName);

    /// <summary>Member signatures without the containing type: the stub's script class and RouteGlobals must list the same ones.</summary>
    private static readonly SymbolDisplayFormat Signature = new(
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypesAndNamespaces,
        genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters | SymbolDisplayGenericsOptions.IncludeTypeConstraints,
        memberOptions: SymbolDisplayMemberOptions.IncludeType | SymbolDisplayMemberOptions.IncludeParameters,
        propertyStyle: SymbolDisplayPropertyStyle.ShowReadWriteDescriptor,
        parameterOptions: SymbolDisplayParameterOptions.IncludeType | SymbolDisplayParameterOptions.IncludeName
                          | SymbolDisplayParameterOptions.IncludeParamsRefOut | SymbolDisplayParameterOptions.IncludeDefaultValue,
        miscellaneousOptions: SymbolDisplayMiscellaneousOptions.UseSpecialTypes | SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    [Test]
    public void CommittedStub_IsWhatTheGeneratorWritesForTheCurrentSdk()
    {
        var expected = EditorStub.Generate(EditorStub.RepositorySdkReference, ShippedPluginReferences());
        if (Environment.GetEnvironmentVariable("UPDATE_EDITOR_STUB") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(StubPath)!);
            File.WriteAllText(StubPath, expected);
            Assert.Inconclusive($"regenerated {StubPath}; run the tests again without UPDATE_EDITOR_STUB");
        }

        Assert.That(File.ReadAllText(StubPath), Is.EqualTo(expected), "the SDK's globals changed: regenerate with UPDATE_EDITOR_STUB=1 dotnet test --filter EditorStub");
    }

    [Test]
    public void CommittedStub_CompiledAsAnEditorDoes_DeclaresEveryGlobalWithItsSdkSignature()
    {
        var compilation = EditorCompilation.Compile(StubPath, File.ReadAllText(StubPath));
        Assert.That(EditorCompilation.Errors(compilation), Is.Empty, "the stub itself must compile");
        var globals = compilation.GetTypeByMetadataName("ScriptedSip.Sdk.Scripting.RouteGlobals");
        Assert.That(globals, Is.Not.Null, "the stub's #r must find ScriptedSip.Sdk.dll (built with the solution)");

        var sdk = globals!.GetMembers()
            .Where(m => m.DeclaredAccessibility == Accessibility.Public && !m.IsStatic && IsMethodOrProperty(m))
            .Where(m => !m.GetAttributes().Any(a => a.AttributeClass?.Name == nameof(System.ComponentModel.EditorBrowsableAttribute)))
            .Select(m => m.ToDisplayString(Signature));
        var stub = compilation.ScriptClass!.GetMembers()
            .Where(m => !m.IsImplicitlyDeclared && m.CanBeReferencedByName && IsMethodOrProperty(m))
            .Select(m => m.ToDisplayString(Signature));

        Assert.That(stub, Is.EquivalentTo(sdk));
    }

    private static IEnumerable<TestCaseData> ShippedAndExampleScripts()
    {
        foreach (var path in Directory.GetFiles(ScriptsDir, "*.csx").Order(StringComparer.Ordinal))
        {
            yield return new TestCaseData(path).SetArgDisplayNames("scripts/" + Path.GetFileName(path));
        }

        // An example's .editor/globals.csx only points at the repository's stub; it is no route.
        foreach (var path in Directory.GetFiles(Path.Combine(RepoRoot, "examples"), "*.csx", SearchOption.AllDirectories)
                     .Where(p => Path.GetFileName(Path.GetDirectoryName(p)) != EditorStub.FolderName)
                     .Order(StringComparer.Ordinal))
        {
            yield return new TestCaseData(path).SetArgDisplayNames(Path.GetRelativePath(RepoRoot, path).Replace('\\', '/'));
        }
    }

    /// <summary>
    /// Each script as an editor compiles it: the script and the stub it #loads, nothing swapped. An
    /// example is compiled from the scripts folder, where it is meant to be copied (its #load of the
    /// stub resolves there).
    /// </summary>
    [TestCaseSource(nameof(ShippedAndExampleScripts))]
    public void Script_CompiledWithTheStubAsAnEditorDoes_HasNoErrors(string path)
    {
        var compilation = EditorCompilation.Compile(Path.Combine(ScriptsDir, Path.GetFileName(path)), File.ReadAllText(path));

        Assert.That(compilation.SyntaxTrees.Select(t => t.FilePath), Has.Some.EqualTo(StubPath), $"{path} must begin with #load \".editor/globals.csx\"");
        Assert.That(EditorCompilation.Errors(compilation), Is.Empty, path);
    }

    [Test]
    public async Task ScriptLoadingTheStub_RunsOnTheRealGlobals_TheServerNeverCompilesTheStub()
    {
        // A stub that is not C# at all: the script still compiles and runs, so the server read the stub as empty.
        using var deployment = new TestDeployment()
            .WithScript("request_route.csx", "#load \".editor/globals.csx\"\nSlSendReply(200, Si);")
            .WithScript(".editor/globals.csx", "this is not C# #r \"missing.dll\"");
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();

        peer.Send(host.EndPoint, SipText.Request("MESSAGE", "sip:x@127.0.0.1", peer.LocalEndPoint));

        Assert.That(peer.ReceiveText(TimeSpan.FromSeconds(5)), Does.StartWith("SIP/2.0 200 127.0.0.1"));
    }

    /// <summary>Every plugin project shipped in the repository's plugins/ folder, as the stub's #r path of its DLL (built beside the project).</summary>
    private static IEnumerable<string> ShippedPluginReferences() =>
        Directory.GetDirectories(Path.Combine(RepoRoot, "plugins"))
            .Select(Path.GetFileName)
            .Where(name => File.Exists(Path.Combine(RepoRoot, "plugins", name!, name + ".csproj")))
            .Order(StringComparer.Ordinal)
            .Select(name => $"../../plugins/{name}/{name}.dll");

    private static bool IsMethodOrProperty(ISymbol member) =>
        member is IPropertySymbol || member is IMethodSymbol { MethodKind: MethodKind.Ordinary };
}
