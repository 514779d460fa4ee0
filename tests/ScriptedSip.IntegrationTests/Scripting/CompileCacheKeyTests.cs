using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.Scripting;

namespace ScriptedSip.IntegrationTests.Scripting;

/// <summary>The compile cache key names the plugin set a route was compiled against.</summary>
public sealed class CompileCacheKeyTests
{
    [Test]
    public void SameScripts_OtherPluginAssembly_OtherKey_SameAssemblyAgain_SameKey()
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", "SlSendReply(200, \"OK\");");
        var framework = ScriptReferenceSet.CreateDefault();
        var v1 = Greeter("Greeter.V1");
        var v2 = Greeter("Greeter.V2");

        var none = CompiledScriptCache.TreeHash(deployment.ScriptsPath, framework);
        var withV1 = CompiledScriptCache.TreeHash(deployment.ScriptsPath, framework.WithAssemblies([("Greeter", v1)]));
        var withV2 = CompiledScriptCache.TreeHash(deployment.ScriptsPath, framework.WithAssemblies([("Greeter", v2)]));
        var withV1Again = CompiledScriptCache.TreeHash(deployment.ScriptsPath, framework.WithAssemblies([("Greeter", v1)]));

        Assert.That(new[] { none, withV1, withV2 }, Is.Unique);
        Assert.That(withV1Again, Is.EqualTo(withV1));
    }

    private static byte[] Greeter(string project) =>
        File.ReadAllBytes(Path.Combine(TestDeployment.BuildOutput("TestPluginsOutput"), project, "Greeter.dll"));
}
