using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.Scripting;

namespace ScriptedSip.IntegrationTests.Scripting;

/// <summary>
/// What a server keeps of a compile: the framework's metadata is read once per load that compiles
/// and freed when it ends, and a load that finds a tree it loaded before in the cache reads nothing
/// but the cached images — yet a tree whose route graph was wrong is checked again.
/// </summary>
public sealed class CompileMemoryTests
{
    [Test]
    public void ALoadCompilingThreeRoutes_ReadsTheFrameworkMetadataOnce_AndFreesItWhenDone()
    {
        using var deployment = new TestDeployment()
            .WithScript("request_route.csx", "Route(\"one\"); Route(\"two\");")
            .WithScript("one.csx", "Xlog(\"one\");")
            .WithScript("two.csx", "Xlog(\"two\");");
        var references = ScriptReferenceSet.CreateDefault();
        var loader = new RouteSetLoader(new CompiledScriptCache(null));

        var result = loader.Load(deployment.ScriptsPath, 1, ScriptEnvironment.WithoutPlugins(references));

        Assert.That(result.Errors, Is.Empty);
        Assert.That(result.Compiled, Is.EqualTo(3));
        Assert.That(references.FrameworkState, Is.EqualTo((Reads: 1, Held: false)));
    }

    [Test]
    public void ACachedTreeThatLoadedBefore_LoadsWithoutReadingAnyMetadata()
    {
        using var deployment = new TestDeployment()
            .WithScript("request_route.csx", "Route(\"one\");")
            .WithScript("one.csx", "Xlog(\"one\");");
        var cache = new CompiledScriptCache(Path.Combine(deployment.Root, "cache"));
        var first = ScriptReferenceSet.CreateDefault();
        Assert.That(new RouteSetLoader(cache).Load(deployment.ScriptsPath, 1, ScriptEnvironment.WithoutPlugins(first)).Errors, Is.Empty);

        var second = ScriptReferenceSet.CreateDefault();
        var again = new RouteSetLoader(cache).Load(deployment.ScriptsPath, 1, ScriptEnvironment.WithoutPlugins(second));

        Assert.That(again.Errors, Is.Empty);
        Assert.That((again.Compiled, again.FromCache), Is.EqualTo((0, 2)));
        Assert.That(second.FrameworkState, Is.EqualTo((Reads: 0, Held: false)));
    }

    [Test]
    public void ATreeWhoseRouteGraphFailed_IsCheckedAgain_EvenWithEveryRouteInTheCache()
    {
        // Every route compiles (the wrong name is only a string), so every image is cached; the
        // second load must not take the cached images for a tree that never loaded.
        using var deployment = new TestDeployment().WithScript("request_route.csx", "Route(\"NOPE\");");
        var cache = new CompiledScriptCache(Path.Combine(deployment.Root, "cache"));
        var references = ScriptReferenceSet.CreateDefault();

        var first = new RouteSetLoader(cache).Load(deployment.ScriptsPath, 1, ScriptEnvironment.WithoutPlugins(references));
        var second = new RouteSetLoader(cache).Load(deployment.ScriptsPath, 2, ScriptEnvironment.WithoutPlugins(references));

        Assert.That(first.Errors, Has.Some.Contains("error SSR002"));
        Assert.That(first.Compiled, Is.EqualTo(1), "the route itself compiled and was cached");
        Assert.That(second.Errors, Has.Some.Contains("error SSR002"));
        Assert.That(second.FromCache, Is.EqualTo(1));
    }
}
