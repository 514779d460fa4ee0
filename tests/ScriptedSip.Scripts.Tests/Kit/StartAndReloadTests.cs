using ScriptedSip.Scripts.Tests.Infrastructure;

namespace ScriptedSip.Scripts.Tests.Kit;

/// <summary>What a test author sees when scripts or settings are wrong is what the server prints; reloads behave as the server's.</summary>
public sealed class StartAndReloadTests
{
    [Test]
    public void ScriptThatDoesNotCompile_FailsTheStart_WithTheCompilersLines()
    {
        using var scripts = new ScriptFolder().With("request_route.csx", "SlSendReply(200, \"OK\");\nSlSendReply(200);\n");

        var error = Assert.Throws<RouteTestStartException>(() => RouteTestHost.Start(scripts.Path));

        Assert.That(error!.Errors, Has.Count.EqualTo(1));
        Assert.That(error.Errors[0], Does.Match(@"^.*request_route\.csx\(2,1\): error CS7036: "));
        Assert.That(error.Errors[0], Does.StartWith(Path.Combine(scripts.Path, "request_route.csx")));
    }

    [Test]
    public void NoRequestRoute_FailsTheStart()
    {
        using var scripts = new ScriptFolder().With("OTHER.csx", "Drop();");

        var error = Assert.Throws<RouteTestStartException>(() => RouteTestHost.Start(scripts.Path));

        Assert.That(error!.Message, Does.Contain("request_route"));
    }

    [Test]
    public void UnknownSetting_FailsTheStart_WithTheServersHint()
    {
        var options = new RouteTestOptions(Repository.Scripts).WithSetting("Sip:Wrokers", "2");

        var error = Assert.Throws<RouteTestStartException>(() => RouteTestHost.Start(options));

        Assert.That(error!.Errors, Does.Contain("error: Sip:Wrokers: unknown key (did you mean Sip:Workers?)"));
    }

    [Test]
    public void MissingScriptsFolder_FailsTheStart()
    {
        var error = Assert.Throws<RouteTestStartException>(() => RouteTestHost.Start("/no/such/folder"));

        Assert.That(error!.Message, Does.Contain("/no/such/folder").And.Contain("does not exist"));
    }

    [Test]
    public void PluginFolderWithoutItsDll_FailsTheStart()
    {
        using var scripts = new ScriptFolder();
        var options = new RouteTestOptions(Repository.Scripts).WithPlugin(scripts.Path);

        var error = Assert.Throws<RouteTestStartException>(() => RouteTestHost.Start(options));

        Assert.That(error!.Message, Does.Contain("no " + Path.GetFileName(scripts.Path) + ".dll"));
    }

    [Test]
    public void Reload_BetweenTwoMessages_TheSecondRunsTheNewVersion()
    {
        using var scripts = new ScriptFolder().With("request_route.csx", "SlSendReply(200, \"version one\");");
        using var host = RouteTestHost.Start(scripts.Path);
        Assert.That(host.Send(SipRequest.Options("sip:x@example.com")).Reply.Reason, Is.EqualTo("version one"));

        scripts.With("request_route.csx", "SlSendReply(200, \"version two\");");
        var reload = host.Reload();

        Assert.That(reload.Success, Is.True);
        Assert.That(reload.Version, Is.EqualTo(2));
        Assert.That(host.Send(SipRequest.Options("sip:x@example.com")).Reply.Reason, Is.EqualTo("version two"));
    }

    [Test]
    public void ReloadThatDoesNotCompile_KeepsTheOldVersion_AndReportsTheErrors()
    {
        using var scripts = new ScriptFolder().With("request_route.csx", "SlSendReply(200, \"version one\");");
        using var host = RouteTestHost.Start(scripts.Path);

        scripts.With("request_route.csx", "SlSendReply(200, broken);");
        var reload = host.Reload();

        Assert.That(reload.Success, Is.False);
        Assert.That(reload.Errors.Single(), Does.Match(@"request_route\.csx\(1,\d+\): error CS0103: "));
        Assert.That(host.Log.Select(l => l.Text), Does.Contain("Scripts not reloaded: version 1 keeps serving"));
        Assert.That(host.Send(SipRequest.Options("sip:x@example.com")).Reply.Reason, Is.EqualTo("version one"));
    }
}
