using ScriptedSip.Scripts.Tests.Infrastructure;

namespace ScriptedSip.Scripts.Tests.Kit;

/// <summary>A plugin (the shipped Htable) loaded from its folder as the server loads it, used by a script, its state seeded and read by the test.</summary>
public sealed class PluginTests
{
    private const string HtableType = "ScriptedSip.Plugins.Htable.Htable";

    private const string RequestRoute = """
        var ht = Plugin<ScriptedSip.Plugins.Htable.Htable>();
        if (ht.Get("blocked", Fu!) is not null)
        {
            SlSendReply(403, "Blocked");
            return;
        }

        var calls = ht.Inc("calls", Fu!);
        SlSendReply(200, $"call {calls}");
        """;

    private const string ExpiredRoute = """
        Xlog($"expired {Mb}");
        """;

    private ScriptFolder _scripts = null!;
    private RouteTestHost _host = null!;

    [OneTimeSetUp]
    public void WriteScripts() => _scripts = new ScriptFolder("htable")
        .With("request_route.csx", RequestRoute)
        .With("htable_expired.csx", ExpiredRoute);

    [OneTimeTearDown]
    public void RemoveScripts() => _scripts.Dispose();

    [SetUp]
    public void StartHost() => _host = RouteTestHost.Start(new RouteTestOptions(_scripts.Path)
        .WithPlugin(Repository.Plugin("Htable"))
        .WithSetting("Plugins:Htable:Tables:calls:Size", "100")
        .WithSetting("Plugins:Htable:Tables:calls:AutoExpire", "60")
        .WithSetting("Plugins:Htable:Tables:calls:ExpireRoute", "htable:expired")
        .WithSetting("Plugins:Htable:Tables:blocked:Size", "10"));

    [TearDown]
    public void StopHost() => _host.Dispose();

    [Test]
    public void ScriptUsesThePlugin_AndTheTestReadsItsState()
    {
        Assert.That(_host.Plugins, Is.EqualTo(new[] { "Htable" }));

        Assert.That(_host.Send(SipRequest.Message("sip:bob@example.com").From("sip:alice@example.org")).Reply.Reason, Is.EqualTo("call 1"));
        Assert.That(_host.Send(SipRequest.Message("sip:bob@example.com").From("sip:alice@example.org")).Reply.Reason, Is.EqualTo("call 2"));

        dynamic ht = _host.Plugin(HtableType);
        Assert.That((long)ht.Get("calls", "sip:alice@example.org"), Is.EqualTo(2));
    }

    [Test]
    public void TestSeedsThePluginsState_TheScriptSeesIt()
    {
        dynamic ht = _host.Plugin(HtableType);
        ht.Set("blocked", "sip:mallory@example.org", "yes");

        var outcome = _host.Send(SipRequest.Message("sip:bob@example.com").From("sip:mallory@example.org"));

        Assert.That(outcome.Reply.Status, Is.EqualTo(403));
    }

    [Test]
    public void PluginTimers_RunOnTheFakeClock_AndRaiseTheirEventRoute()
    {
        _host.Send(SipRequest.Message("sip:bob@example.com").From("sip:alice@example.org"));

        Assert.That(_host.Advance(TimeSpan.FromSeconds(59)).Xlog, Is.Empty);
        var expired = _host.Advance(TimeSpan.FromSeconds(2));

        Assert.That(expired.Xlog.Select(l => l.Text), Is.EqualTo(new[] { "expired calls:sip:alice@example.org" }));
    }

    [Test]
    public void APluginTypeNobodyExports_IsNamedInTheError()
    {
        var error = Assert.Throws<RouteTestException>(() => _host.Plugin("No.Such.Type"));

        Assert.That(error!.Message, Does.Contain("No.Such.Type").And.Contain("Htable"));
    }

    [Test]
    public void Dispose_LeavesThePluginFolderAsItWas()
    {
        var folder = Repository.Plugin("Htable");
        var before = Directory.GetFiles(folder).Order().ToList();

        _host.Dispose();

        Assert.That(Directory.GetFiles(folder).Order(), Is.EqualTo(before), "the host links (or copies) the folder; disposing it must not touch the original");
        Assert.That(File.Exists(Path.Combine(folder, "Htable.dll")), Is.True);
    }
}
