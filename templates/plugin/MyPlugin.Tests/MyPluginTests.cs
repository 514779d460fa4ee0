using System.Reflection;
using NUnit.Framework;
using ScriptedSip.Testing;

namespace MyPlugin.Tests;

public sealed class MyPluginTests
{
    private static readonly string PluginFolder = typeof(MyPluginTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "PluginFolder").Value!;

    private static RouteTestOptions Options() =>
        new RouteTestOptions(Path.Combine(TestContext.CurrentContext.TestDirectory, "scripts"))
            .WithPlugin(PluginFolder, "MyPlugin");

    [Test]
    public void AFriend_IsGreeted()
    {
        using var host = RouteTestHost.Start(Options());

        var outcome = host.Send(SipRequest.Message("sip:bob@example.org").From("sip:alice@example.com"));

        Assert.That(outcome.Reply.Status, Is.EqualTo(200));
        Assert.That(outcome.Reply.Reason, Is.EqualTo("hello sip:alice@example.com"));
    }

    [Test]
    public void AStranger_IsRefused()
    {
        using var host = RouteTestHost.Start(Options());

        var outcome = host.Send(SipRequest.Message("sip:bob@example.org").From("sip:eve@example.net"));

        Assert.That(outcome.Reply.Status, Is.EqualTo(403));
    }

    [Test]
    public void TheOptionsSection_ConfiguresThePlugin()
    {
        using var host = RouteTestHost.Start(Options().WithSetting("Plugins:MyPlugin:Greeting", "welcome"));

        var outcome = host.Send(SipRequest.Message("sip:bob@example.org").From("sip:alice@example.com"));

        Assert.That(outcome.Reply.Reason, Is.EqualTo("welcome sip:alice@example.com"));
    }
}
