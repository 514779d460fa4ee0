using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Registrar;

/// <summary>
/// The shipped scripts as a registrar with digest authentication: phones register (sipp with MD5,
/// a test client with SHA-256) and call each other; everything else is challenged or refused.
/// </summary>
[NonParallelizable]
public sealed class AuthenticatedCallTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    internal static string AuthSettings(string algorithms, string extra = "") => TestDeployment.DefaultSettings($$"""
        "Plugins": { "Auth": { "Enabled": true, "Algorithms": [ {{algorithms}} ], "Users": { "alice": "secret", "bob": "bobpw" }, "MaxFailures": 3 {{extra}} } },
        """);

    [Test]
    public async Task AliceAndBobRegister_AliceCallsBob50Times_AllSucceed()
    {
        Sipp.RequireInstalled();
        using var deployment = new TestDeployment(AuthSettings("\"MD5\"")).WithShippedScripts();
        await using var host = await RunningHost.StartAsync(deployment);
        var bobPort = UdpPeer.FreePort();
        using var bob = Sipp.Start("-sn", "uas", "-p", bobPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Sipp.WaitUntilListeningAsync(bobPort);
        using (var bobPhone = new DigestClient(host.EndPoint, "bob", "bobpw"))
        {
            var registered = bobPhone.Register($"Contact: <sip:bob@127.0.0.1:{bobPort}>");
            Assert.That(SipText.StatusCode(registered), Is.EqualTo(200), registered);
        }

        using var aliceRegisters = Sipp.Start("-sf", Sipp.Scenario("register_auth.xml"), "-s", "alice", "-au", "alice", "-ap", "secret",
            "-p", UdpPeer.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture), "-m", "1", host.EndPoint.ToString());
        var registration = await aliceRegisters.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.That(registration.Successful, Is.EqualTo(1), registration.Output);

        using var calls = Sipp.Start("-sf", Sipp.Scenario("uac_auth.xml"), "-s", "bob", "-au", "alice", "-ap", "secret",
            "-p", UdpPeer.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture), "-m", "50", "-r", "25", host.EndPoint.ToString());
        var result = await calls.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.That(result.Successful, Is.EqualTo(50), result.Output + string.Join("\n", RunningHost.Logs().TakeLast(30)));
        Assert.That(result.Failed, Is.Zero, result.Output);
    }

    [Test]
    public async Task RegisterWithSha256_200ListsTheBindingWithExpires()
    {
        using var deployment = new TestDeployment(AuthSettings("\"SHA-256\", \"MD5\"")).WithShippedScripts();
        await using var host = await RunningHost.StartAsync(deployment);
        using var alice = new DigestClient(host.EndPoint, "alice", "secret");

        var challenge = alice.Exchange(alice.RegisterText("Contact: <sip:alice@127.0.0.1:7001>"));
        var offered = DigestClient.Headers(challenge, "WWW-Authenticate");
        Assert.That(SipText.StatusCode(challenge), Is.EqualTo(401));
        Assert.That(offered.Select(c => DigestClient.Param(c, "algorithm")), Is.EqualTo(new[] { "SHA-256", "MD5" }), "one challenge per algorithm, in the configured order");
        Assert.That(offered, Has.All.Contain("qop=\"auth\""));

        var ok = alice.Exchange(alice.RegisterText("Contact: <sip:alice@127.0.0.1:7001>", credentials: alice.Credentials(challenge, "REGISTER", $"sip:{alice.Domain}", "SHA-256", "WWW-Authenticate")));
        Assert.That(SipText.StatusCode(ok), Is.EqualTo(200), ok);
        Assert.That(SipText.Header(ok, "Contact"), Is.EqualTo("<sip:alice@127.0.0.1:7001>;expires=3600"));
        Assert.That(SipText.Header(ok, "Date"), Is.Not.Null);
    }

    [Test]
    public async Task InviteFromOurUserWithoutCredentials_407WithProxyAuthenticate()
    {
        using var deployment = new TestDeployment(AuthSettings("\"SHA-256\", \"MD5\"")).WithShippedScripts();
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();

        var reply = Send(caller, host, SipText.Request("INVITE", $"sip:bob@{host.EndPoint}", caller.LocalEndPoint)
            .Replace("sip:alice@example.com", $"sip:alice@{host.EndPoint}", StringComparison.Ordinal));

        Assert.That(SipText.StatusCode(reply), Is.EqualTo(407), reply);
        Assert.That(DigestClient.Headers(reply, "Proxy-Authenticate"), Has.Count.EqualTo(2));
    }

    [Test]
    public async Task RequestFromAForeignDomainToAForeignDomain_403NotRelaying()
    {
        using var deployment = new TestDeployment(AuthSettings("\"MD5\"")).WithShippedScripts();
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();
        using var target = new UdpPeer();

        var reply = Send(caller, host, SipText.Request("INVITE", $"sip:bob@{target.LocalEndPoint}", caller.LocalEndPoint));

        Assert.That(SipText.StatusCode(reply), Is.EqualTo(403), reply);
        target.AssertNothingReceived("never an open relay");
    }

    [Test]
    public async Task WrongPassword_ChallengedAgain_ThenBlockedWith403AfterMaxFailures()
    {
        using var deployment = new TestDeployment(AuthSettings("\"MD5\"")).WithShippedScripts();
        await using var host = await RunningHost.StartAsync(deployment);
        using var alice = new DigestClient(host.EndPoint, "alice", "wrong");

        var statuses = Enumerable.Range(0, 4).Select(_ => SipText.StatusCode(alice.Register("Contact: <sip:alice@127.0.0.1:7001>"))).ToList();

        Assert.That(statuses, Is.EqualTo(new[] { 401, 401, 401, 403 }), "MaxFailures 3: three fresh challenges, then 403");
        Assert.That(RunningHost.Logs(), Has.Some.Contain("Authentication blocked: 3 failures"));
    }

    [Test]
    public async Task ReplayedCredentials_SameNonceAndCount_ChallengedAgain()
    {
        using var deployment = new TestDeployment(AuthSettings("\"MD5\"")).WithShippedScripts();
        await using var host = await RunningHost.StartAsync(deployment);
        using var alice = new DigestClient(host.EndPoint, "alice", "secret");
        var challenge = alice.Exchange(alice.RegisterText("Contact: <sip:alice@127.0.0.1:7001>"));
        var credentials = alice.Credentials(challenge, "REGISTER", $"sip:{alice.Domain}", "MD5", "WWW-Authenticate");

        var first = alice.Exchange(alice.RegisterText("Contact: <sip:alice@127.0.0.1:7001>", credentials: credentials));
        var replay = alice.Exchange(alice.RegisterText("Contact: <sip:alice@127.0.0.1:7001>", credentials: credentials));

        Assert.That(SipText.StatusCode(first), Is.EqualTo(200), first);
        Assert.That(SipText.StatusCode(replay), Is.EqualTo(401), replay);
        Assert.That(RunningHost.Logs(), Has.Some.Contain("nonce-count replayed by user alice"));
    }

    private static readonly string Nonce = new('A', 32);

    [TestCase("Digest username=\"alice, realm=\"127.0.0.1\"", 400, TestName = "Unbalanced quotes → 400")]
    [TestCase("Digest realm=\"127.0.0.1\", nonce=\"n\", uri=\"sip:x\", response=\"00000000000000000000000000000000\"", 400, TestName = "Missing username → 400")]
    [TestCase("Digest username=\"alice\", realm=\"127.0.0.1\", nonce=\"n\", uri=\"sip:x\", response=\"00000000000000000000000000000000\", qop=auth, nc=123456789abcdef0123, cnonce=\"c\"", 400, TestName = "Huge nonce-count → 400")]
    [TestCase("Digest username=\"alice\", realm=\"127.0.0.1\", nonce=\"n\", uri=\"sip:x\", response=\"zz\"", 400, TestName = "Response not hex → 400")]
    [TestCase("Basic YWxpY2U6c2VjcmV0", 400, TestName = "Not Digest → 400")]
    [TestCase("Digest username=\"alice\", realm=\"127.0.0.1\", nonce=\"n\", uri=\"sip:x\", response=\"00000000000000000000000000000000\", algorithm=SHA-512-256", 401, TestName = "Unknown algorithm → fresh challenge")]
    [TestCase("Digest username=\"alice\", realm=\"127.0.0.1\", nonce=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\", uri=\"sip:x\", response=\"00000000000000000000000000000000\"", 401, TestName = "Forged nonce → fresh challenge")]
    public async Task MalformedAuthorization_ClearAnswer_Never500_ServerGoesOn(string credentials, int expected)
    {
        using var deployment = new TestDeployment(AuthSettings("\"MD5\"")).WithShippedScripts();
        await using var host = await RunningHost.StartAsync(deployment);
        using var alice = new DigestClient(host.EndPoint, "alice", "secret");

        var reply = alice.Exchange(alice.RegisterText("Contact: <sip:alice@127.0.0.1:7001>", credentials: credentials));

        Assert.That(SipText.StatusCode(reply), Is.EqualTo(expected), reply);
        Assert.That(SipText.StatusCode(alice.Register("Contact: <sip:alice@127.0.0.1:7001>")), Is.EqualTo(200), "the server goes on");
    }

    [Test]
    public async Task TenKilobyteUsername_400_Never500()
    {
        using var deployment = new TestDeployment(AuthSettings("\"MD5\"")).WithShippedScripts();
        await using var host = await RunningHost.StartAsync(deployment);
        using var alice = new DigestClient(host.EndPoint, "alice", "secret");

        var reply = alice.Exchange(alice.RegisterText("Contact: <sip:alice@127.0.0.1:7001>",
            credentials: $"Digest username=\"{new string('u', 10_000)}\", realm=\"127.0.0.1\", nonce=\"{Nonce}\", uri=\"sip:x\", response=\"00000000000000000000000000000000\""));

        Assert.That(SipText.StatusCode(reply), Is.EqualTo(400), reply);
        Assert.That(RunningHost.Logs(), Has.Some.Contain("malformed credentials (credentials too long)"));
    }

    [Test]
    public async Task NoUsersConfigured_AuthEnabled_StartsAndChallengesThenRefuses()
    {
        using var deployment = new TestDeployment(TestDeployment.DefaultSettings("""
            "Plugins": { "Auth": { "Enabled": true, "Algorithms": [ "MD5" ], "MaxFailures": 2 } },
            """)).WithShippedScripts();
        await using var host = await RunningHost.StartAsync(deployment);
        using var alice = new DigestClient(host.EndPoint, "alice", "secret");

        var statuses = Enumerable.Range(0, 3).Select(_ => SipText.StatusCode(alice.Register("Contact: <sip:alice@127.0.0.1:7001>"))).ToList();

        Assert.That(statuses, Is.EqualTo(new[] { 401, 401, 403 }));
    }

    private static string Send(UdpPeer peer, RunningHost host, string request)
    {
        peer.Send(host.EndPoint, request);
        while (true)
        {
            var reply = peer.ReceiveText(Wait);
            if (SipText.StatusCode(reply) != 100)
            {
                return reply;
            }
        }
    }
}
