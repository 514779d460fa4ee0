using ScriptedSip.Scripts.Tests.Infrastructure;

namespace ScriptedSip.Scripts.Tests.Kit;

/// <summary>
/// IsMyself(uri) as scripts call it: with or without the scheme, any case, parameters, and URIs
/// longer than its stack buffer (they take the pooled path and must give the same answer).
/// </summary>
public sealed class IsMyselfTests
{
    private const string Domain = "example.org";
    private ScriptFolder _scripts = null!;
    private RouteTestHost _host = null!;

    [OneTimeSetUp]
    public void WriteScripts() => _scripts = new ScriptFolder("is-myself")
        .With("request_route.csx", """
            Xlog(IsMyself(Hdr("X-Uri")) ? "mine" : "foreign");
            SlSendReply(200, "OK");
            """);

    [OneTimeTearDown]
    public void RemoveScripts() => _scripts.Dispose();

    [SetUp]
    public void StartHost() => _host = RouteTestHost.Start(new RouteTestOptions(_scripts.Path).WithSetting("Sip:Domains:0", Domain));

    [TearDown]
    public void StopHost() => _host.Dispose();

    [TestCase("sip:bob@example.org", "mine")]
    [TestCase("sips:bob@EXAMPLE.org;transport=tls", "mine")]
    [TestCase("bob@example.org", "mine")]
    [TestCase("example.org", "mine")]
    [TestCase("sip:bob@example.net", "foreign")]
    [TestCase("bob@example.net", "foreign")]
    [TestCase("sip:bob@example.org.evil.net", "foreign")]
    public void ShortUri(string uri, string expected) => Assert.That(Ask(uri), Is.EqualTo(expected));

    [TestCase("sip:", "@example.org", "mine")]
    [TestCase("", "@example.org;user=phone", "mine")]
    [TestCase("sip:", "@example.net", "foreign")]
    public void UriLongerThanTheStackBuffer_GetsTheSameAnswer(string scheme, string hostPart, string expected) =>
        Assert.That(Ask(scheme + new string('u', 3000) + hostPart), Is.EqualTo(expected));

    private string Ask(string uri)
    {
        var outcome = _host.Send(SipRequest.Message("sip:bob@" + Domain).Header("X-Uri", uri));
        Assert.That(outcome.Reply.Status, Is.EqualTo(200), outcome.ToString());
        return outcome.Xlog.Single().Text;
    }
}
