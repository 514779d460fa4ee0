using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Scripting;

/// <summary>Mistakes in the script set that can be seen before a message arrives are load errors with file(line,col).</summary>
[NonParallelizable]
public sealed class LoadTimeChecksTests
{
    [TestCase("Route(\"NOPE\");", 1, 7)]
    [TestCase("var t = RouteAsync(\"NOPE\");", 1, 20)]
    [TestCase("TOnFailure(\"NOPE\");", 1, 12)]
    [TestCase("TOnReply(\"NOPE\");", 1, 10)]
    [TestCase("AsyncRoute(\"NOPE\", 1);", 1, 12)]
    [TestCase("TContinue(1u, 2u, \"NOPE\");", 1, 19)]
    public void RouteNameLiteralNamingNoRouteFile_IsALoadError_WithItsPosition(string call, int line, int column)
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", call + "\nSlSendReply(200, \"OK\");");

        var error = Assert.ThrowsAsync<InvalidOperationException>(async () => await RunningHost.StartAsync(deployment));

        Assert.That(error!.Message, Does.Contain($"request_route.csx({line},{column}): error SSR002: no route named \"NOPE\" is loaded (no NOPE.csx in the scripts folder)"));
    }

    [Test]
    public void RouteNameInAHelper_IsCheckedToo_AndAModuleEventNameIsNormalised()
    {
        using var deployment = new TestDeployment()
            .WithScript("request_route.csx", "#load \"lib/helper.csx\"\nRoute(\"my:event\");\nGo();")
            .WithScript("my_event.csx", "Xlog(\"event\");")
            .WithScript("lib/helper.csx", "void Go() => Route(\"MISSING\");");

        var error = Assert.ThrowsAsync<InvalidOperationException>(async () => await RunningHost.StartAsync(deployment));

        Assert.That(error!.Message, Does.Contain("helper.csx(1,20): error SSR002: no route named \"MISSING\""));
        Assert.That(error.Message, Does.Not.Contain("\"my:event\""), "my:event is the route my_event.csx");
    }

    [Test]
    public async Task RouteNamesThatExist_AndNamesComputedAtRunTime_Load()
    {
        using var deployment = new TestDeployment()
            .WithScript("request_route.csx", "var name = \"DYN\" + \"AMIC\";\nRoute(\"NAMED\");\nRoute(name);")
            .WithScript("NAMED.csx", "Xlog(\"named\");")
            .WithScript("DYNAMIC.csx", "SlSendReply(200, \"OK\");");

        await using var host = await RunningHost.StartAsync(deployment);
        Assert.That(host.Scripts.Current.Find("NAMED"), Is.Not.Null);
    }

    [Test]
    public void RestrictedPluginCall_InANamedRouteArmedAsReplyRoute_IsALoadError()
    {
        using var deployment = new TestDeployment()
            .WithTestPlugin("Greeter.V1", "Greeter", "Greeter")
            .WithScript("request_route.csx", "TOnReply(\"ON_REPLY\");\nTRelay(\"sip:127.0.0.1:9\");")
            .WithScript("ON_REPLY.csx", "Xlog(\"reply\");\nvar n = Plugin<TestPlugins.Greeter>().RequestOnly();");

        var error = Assert.ThrowsAsync<InvalidOperationException>(async () => await RunningHost.StartAsync(deployment));

        Assert.That(error!.Message, Does.Match(@"ON_REPLY\.csx\(2,9\): error SSR001: Greeter\.RequestOnly may only be used in Request routes, not in this Reply route"));
    }

    [Test]
    public void RestrictedPluginCall_InALoadHelper_IsCheckedWithTheKindOfTheRouteThatLoadsIt()
    {
        using var deployment = new TestDeployment()
            .WithTestPlugin("Greeter.V1", "Greeter", "Greeter")
            .WithScript("request_route.csx", "SlSendReply(200, \"OK\");")
            .WithScript("reply_route.csx", "#load \"lib/h.csx\"\nH();")
            .WithScript("lib/h.csx", "int H() => Plugin<TestPlugins.Greeter>().RequestOnly();");

        var error = Assert.ThrowsAsync<InvalidOperationException>(async () => await RunningHost.StartAsync(deployment));

        Assert.That(error!.Message, Does.Match(@"h\.csx\(1,12\): error SSR001: Greeter\.RequestOnly may only be used in Request routes, not in this Reply route"));
    }

    [Test]
    public async Task RestrictedPluginCall_InANamedRouteReachedOnlyFromRequestRoutes_Loads()
    {
        using var deployment = new TestDeployment()
            .WithTestPlugin("Greeter.V1", "Greeter", "Greeter")
            .WithScript("request_route.csx", "Route(\"R\");\nSlSendReply(200, \"OK\");")
            .WithScript("R.csx", "var n = Plugin<TestPlugins.Greeter>().RequestOnly();");

        await using var host = await RunningHost.StartAsync(deployment);
        Assert.That(host.Scripts.Current.Find("R"), Is.Not.Null);
    }

    [TestCase("MarkExit();")]
    [TestCase("MarkDrop();")]
    [TestCase("AsyncRouteAndEnd(\"R\", 1);")]
    public void CompilerPlumbing_IsNotPartOfTheGlobals(string call)
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", call).WithScript("R.csx", "Xlog(\"r\");");

        var error = Assert.ThrowsAsync<InvalidOperationException>(async () => await RunningHost.StartAsync(deployment));

        Assert.That(error!.Message, Does.Contain("error CS0103"), "the name does not exist in the scripts' context");
        Assert.That(typeof(ScriptedSip.Sdk.Scripting.RouteGlobals).GetMethods().Select(m => m.Name), Has.None.AnyOf("MarkExit", "MarkDrop", "AsyncRouteAndEnd"));
    }
}
