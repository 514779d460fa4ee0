using Microsoft.Extensions.Time.Testing;
using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Registrar;

/// <summary>
/// Registrations and lookups through the shipped scripts with authentication off: RFC 3261 §10.3
/// rules, expiry on the host clock, parallel and serial forking, the journal after a damaged write.
/// </summary>
[NonParallelizable]
public sealed class LocationTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Test]
    public async Task UnregisteredTarget_404()
    {
        using var deployment = new TestDeployment().WithShippedScripts();
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();

        Assert.That(SipText.StatusCode(Call(caller, host, "nobody")), Is.EqualTo(404));
    }

    [Test]
    public async Task ExpiresBelowMinExpires_423WithMinExpires_StarWithExpiresZeroRemovesAll()
    {
        using var deployment = new TestDeployment().WithShippedScripts();
        await using var host = await RunningHost.StartAsync(deployment);
        using var bob = new DigestClient(host.EndPoint, "bob", "");

        var brief = bob.Register("Contact: <sip:bob@127.0.0.1:7001>;expires=10");
        Assert.That(SipText.StatusCode(brief), Is.EqualTo(423));
        Assert.That(SipText.Header(brief, "Min-Expires"), Is.EqualTo("60"));

        Assert.That(SipText.StatusCode(bob.Register("Contact: <sip:bob@127.0.0.1:7001>", extra: "Expires: 7200")), Is.EqualTo(200));
        var query = bob.Register(string.Empty);
        Assert.That(SipText.Header(query, "Contact"), Is.EqualTo("<sip:bob@127.0.0.1:7001>;expires=3600"), "MaxExpires caps the request");

        var removed = bob.Register("Contact: *", extra: "Expires: 0");
        Assert.That(SipText.StatusCode(removed), Is.EqualTo(200));
        Assert.That(SipText.Header(removed, "Contact"), Is.Null);
        Assert.That(SipText.StatusCode(bob.Register("Contact: *")), Is.EqualTo(400), "* needs Expires: 0");
    }

    [Test]
    public async Task ThousandContactsInOneRegister_403TooManyRegisteredContacts_NothingStored()
    {
        using var deployment = new TestDeployment().WithShippedScripts();
        await using var host = await RunningHost.StartAsync(deployment);
        using var bob = new DigestClient(host.EndPoint, "bob", "");
        var contacts = "Contact: " + string.Join(", ", Enumerable.Range(1, 1000).Select(i => $"<sip:bob@127.0.0.1:{10000 + i}>"));

        var reply = bob.Register(contacts);

        Assert.That(SipText.StatusCode(reply), Is.EqualTo(403));
        Assert.That(reply, Does.Contain("Too many registered contacts"));
        Assert.That(SipText.Header(bob.Register(string.Empty), "Contact"), Is.Null);
    }

    [TestCase("Contact: <sip:bob@127.0.0.1:7001", TestName = "Contact with '<' unclosed → 400")]
    [TestCase("Contact: <sip:bob@127.0.0.1:7001>;expires=soon", TestName = "Contact expires not a number → 400")]
    [TestCase("Contact: <http://example.com>", TestName = "Contact not a SIP URI → 400")]
    [TestCase("Contact: <sip:bob@127.0.0.1:7001>;q=2", TestName = "q above 1 → 400")]
    [TestCase("Contact: <sip:bob@127.0.0.1:7001>\r\nExpires: -5", TestName = "Expires header negative → 400")]
    public async Task MalformedRegister_400_ServerGoesOn(string lines)
    {
        using var deployment = new TestDeployment().WithShippedScripts();
        await using var host = await RunningHost.StartAsync(deployment);
        using var bob = new DigestClient(host.EndPoint, "bob", "");

        Assert.That(SipText.StatusCode(bob.Register(lines)), Is.EqualTo(400));
        Assert.That(SipText.StatusCode(bob.Register("Contact: <sip:bob@127.0.0.1:7001>")), Is.EqualTo(200));
    }

    [Test]
    public async Task RegistrationExpiry_HonouredOnTheHostClock()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var deployment = new TestDeployment().WithShippedScripts();
        await using var host = await RunningHost.StartAsync(deployment, time);
        using var bob = new DigestClient(host.EndPoint, "bob", "");
        using var bobPhone = new UdpPeer();
        using var caller = new UdpPeer();
        Assert.That(SipText.StatusCode(bob.Register($"Contact: <sip:bob@{bobPhone.LocalEndPoint}>;expires=60")), Is.EqualTo(200));

        time.Advance(TimeSpan.FromSeconds(59));
        caller.Send(host.EndPoint, SipText.Request("MESSAGE", $"sip:bob@{host.EndPoint}", caller.LocalEndPoint));
        Assert.That(bobPhone.ReceiveText(Wait), Does.StartWith($"MESSAGE sip:bob@{bobPhone.LocalEndPoint} SIP/2.0"));

        time.Advance(TimeSpan.FromSeconds(2));
        Assert.That(SipText.StatusCode(Call(caller, host, "bob")), Is.EqualTo(404), "expired after 60 s");
    }

    [Test]
    public async Task TwoContacts_ParallelFork_First200Wins_OtherBranchGetsCancel()
    {
        using var deployment = new TestDeployment().WithShippedScripts();
        await using var host = await RunningHost.StartAsync(deployment);
        using var bob = new DigestClient(host.EndPoint, "bob", "");
        using var desk = new UdpPeer();
        using var mobile = new UdpPeer();
        using var caller = new UdpPeer();
        Assert.That(SipText.StatusCode(bob.Register($"Contact: <sip:bob@{desk.LocalEndPoint}>, <sip:bob@{mobile.LocalEndPoint}>")), Is.EqualTo(200));

        caller.Send(host.EndPoint, SipText.Request("INVITE", $"sip:bob@{host.EndPoint}", caller.LocalEndPoint));
        var atDesk = desk.ReceiveText(Wait);
        var atMobile = mobile.ReceiveText(Wait);
        Assert.That(atDesk, Does.StartWith($"INVITE sip:bob@{desk.LocalEndPoint} SIP/2.0"));
        Assert.That(atMobile, Does.StartWith($"INVITE sip:bob@{mobile.LocalEndPoint} SIP/2.0"));

        mobile.Send(host.EndPoint, Reply(atMobile, 180, "Ringing"));
        desk.Send(host.EndPoint, Reply(atDesk, 200, "OK"));

        Assert.That(Final(caller), Is.EqualTo(200));
        var cancel = mobile.ReceiveText(Wait);
        Assert.That(cancel, Does.StartWith("CANCEL "));
        Assert.That(SipText.Header(cancel, "Via"), Is.EqualTo(SipText.Header(atMobile, "Via")), "the CANCEL names the mobile's branch");
    }

    [Test]
    public async Task ContactsWithQValues_SerialFork_LowerQTriedAfterTheBestFails()
    {
        using var deployment = new TestDeployment().WithShippedScripts();
        await using var host = await RunningHost.StartAsync(deployment);
        using var bob = new DigestClient(host.EndPoint, "bob", "");
        using var desk = new UdpPeer();
        using var voicemail = new UdpPeer();
        using var caller = new UdpPeer();
        Assert.That(SipText.StatusCode(bob.Register($"Contact: <sip:bob@{desk.LocalEndPoint}>;q=1.0, <sip:bob@{voicemail.LocalEndPoint}>;q=0.1")), Is.EqualTo(200));

        caller.Send(host.EndPoint, SipText.Request("INVITE", $"sip:bob@{host.EndPoint}", caller.LocalEndPoint));
        var atDesk = desk.ReceiveText(Wait);
        voicemail.AssertNothingReceived("the lower q-value waits for the failure route");
        desk.Send(host.EndPoint, Reply(atDesk, 486, "Busy Here"));

        var atVoicemail = voicemail.ReceiveText(Wait);
        Assert.That(atVoicemail, Does.StartWith($"INVITE sip:bob@{voicemail.LocalEndPoint} SIP/2.0"));
        voicemail.Send(host.EndPoint, Reply(atVoicemail, 200, "OK"));
        Assert.That(Final(caller), Is.EqualTo(200));
    }

    [Test]
    public async Task DamagedLastJournalRecord_IgnoredCountedLogged_EarlierBindingsKept()
    {
        using var deployment = new TestDeployment().WithShippedScripts();
        await using (var host = await RunningHost.StartAsync(deployment))
        {
            using var bob = new DigestClient(host.EndPoint, "bob", "");
            Assert.That(SipText.StatusCode(bob.Register("Contact: <sip:bob@127.0.0.1:7001>")), Is.EqualTo(200));
        }

        // A crash in the middle of an append: a length prefix promising more bytes than follow.
        var journal = Path.Combine(deployment.Root, "data", "registrar", "journal.bin");
        File.AppendAllText(journal, "\u00ff\u0001\u0000\u0000{\"Aor\":\"bo");

        await using var restarted = await RunningHost.StartAsync(deployment);
        using var again = new DigestClient(restarted.EndPoint, "bob", "");
        Assert.That(SipText.Header(again.Register(string.Empty), "Contact"), Does.StartWith("<sip:bob@127.0.0.1:7001>;expires="));
        Assert.That(RunningHost.Logs(), Has.Some.Contain("the last record is incomplete or damaged"));
    }

    private static string Call(UdpPeer caller, RunningHost host, string user)
    {
        caller.Send(host.EndPoint, SipText.Request("INVITE", $"sip:{user}@{host.EndPoint}", caller.LocalEndPoint));
        return FinalText(caller);
    }

    private static int Final(UdpPeer caller) => SipText.StatusCode(FinalText(caller));

    private static string FinalText(UdpPeer caller)
    {
        while (true)
        {
            var reply = caller.ReceiveText(Wait);
            if (SipText.StatusCode(reply) >= 200)
            {
                return reply;
            }
        }
    }

    /// <summary>A reply to a received request: its Via, From, To (with a tag), Call-ID and CSeq.</summary>
    private static string Reply(string request, int status, string reason)
    {
        var headers = request.Split("\r\n").TakeWhile(l => l.Length > 0).Skip(1)
            .Where(l => l.StartsWith("Via:", StringComparison.OrdinalIgnoreCase) || l.StartsWith("From:", StringComparison.OrdinalIgnoreCase)
                        || l.StartsWith("Call-ID:", StringComparison.OrdinalIgnoreCase) || l.StartsWith("CSeq:", StringComparison.OrdinalIgnoreCase)
                        || l.StartsWith("Record-Route:", StringComparison.OrdinalIgnoreCase))
            .ToList();
        headers.Add("To: " + SipText.Header(request, "To") + ";tag=callee" + status.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return $"SIP/2.0 {status} {reason}\r\n" + string.Join("\r\n", headers) + "\r\nContent-Length: 0\r\n\r\n";
    }
}
