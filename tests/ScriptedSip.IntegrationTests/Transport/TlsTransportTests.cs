using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ScriptedSip.Core.Stats;
using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Transport;

/// <summary>
/// SIP over TLS with certificates made in the test: a TLS caller and a TLS callee written on
/// SslStream, the proxy between them verifying the callee's certificate against the target's name.
/// </summary>
public sealed class TlsTransportTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    private const string ProxyScript = """
        if (HasToTag())
        {
            if (LooseRoute() || !IsMyself(Ru)) { TRelay(); return; }
            if (!IsMethod("ACK")) { SlSendReply(404, "Not Here"); }
            return;
        }

        if (IsMethod("OPTIONS") && IsMyself(Ru)) { SlSendReply(200, $"OK over {Proto}"); return; }
        if (IsMethod("INVITE")) { RecordRoute(); }
        if (!TRelay()) { SlSendReply(500, "Relay Failed"); }
        """;

    /// <summary>A self-signed certificate (its own CA) for <paramref name="names"/> and 127.0.0.1, written as PEM files in <paramref name="folder"/>.</summary>
    internal static X509Certificate2 CreateCertificate(string folder, string fileName, params string[] names)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={names[0]}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            san.AddDnsName(name);
        }

        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(Path.Combine(folder, fileName + ".crt"), created.ExportCertificatePem());
        File.WriteAllText(Path.Combine(folder, fileName + ".key"), key.ExportPkcs8PrivateKeyPem());

        // A certificate with an ephemeral key is not usable by SslStream on every platform: round-trip through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }

    private static string Settings(string tls) => TestDeployment.DefaultSettings($$"""
        "Transactions": { "FrTimerMs": 3000, "WaitMs": 300 },
        "Tls": { {{tls}} },
        """).Replace("\"Listen\": [ \"udp:127.0.0.1:0\" ]", "\"Listen\": [ \"udp:127.0.0.1:0\", \"tls:127.0.0.1:0\" ]", StringComparison.Ordinal);

    private static string TlsRequest(string method, string uri, IPEndPoint from, string callId, string? extraHeaders = null, string? toTag = null) =>
        SipText.Request(method, uri, from, callId, extraHeaders, toTag: toTag).Replace("SIP/2.0/UDP", "SIP/2.0/TLS", StringComparison.Ordinal);

    private static SslClientAuthenticationOptions ClientOptions(X509Certificate2 trusted, SslProtocols protocols = SslProtocols.None) => new()
    {
        TargetHost = "localhost",
        EnabledSslProtocols = protocols,
        RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == trusted.GetCertHashString(),
    };

    [Test]
    public async Task OptionsAndInviteAckByeDialog_TlsCallerThroughProxyToTlsCallee()
    {
        using var deployment = new TestDeployment();
        using var certificate = CreateCertificate(deployment.Root, "server", "localhost");
        File.WriteAllText(Path.Combine(deployment.Root, "hostsettings.json"), Settings("\"CertificatePath\": \"server.crt\", \"PrivateKeyPath\": \"server.key\", \"CaPath\": \"server.crt\""));
        deployment.WithScript("request_route.csx", ProxyScript);
        await using var host = await RunningHost.StartAsync(deployment);
        var proxy = host.Server.StreamListeners[0].LocalEndPoint;
        using var uasListener = StreamPeer.Listen();
        var uasPort = ((IPEndPoint)uasListener.LocalEndPoint!).Port;
        using var caller = await StreamPeer.ConnectTlsAsync(proxy, ClientOptions(certificate));

        await caller.SendAsync(TlsRequest("OPTIONS", $"sip:127.0.0.1:{proxy.Port}", caller.LocalEndPoint, "tls-options@test"));
        Assert.That(await caller.ReceiveAsync(Wait), Does.StartWith("SIP/2.0 200 OK over tls\r\n"));

        var target = $"sip:bob@localhost:{uasPort};transport=tls";
        await caller.SendAsync(TlsRequest("INVITE", target, caller.LocalEndPoint, "tls-dialog@test"));
        using var uas = await StreamPeer.AcceptAsync(uasListener, new SslServerAuthenticationOptions { ServerCertificate = certificate });
        var invite = await uas.ReceiveAsync(Wait) ?? throw new AssertionException("no INVITE at the callee");
        Assert.That(invite.Split("\r\n").First(l => l.StartsWith("Via:", StringComparison.Ordinal)), Does.StartWith($"Via: SIP/2.0/TLS 127.0.0.1:{proxy.Port};"));
        Assert.That(SipText.Header(invite, "Record-Route"), Is.EqualTo($"<sip:127.0.0.1:{proxy.Port};transport=tls;lr>"));
        await uas.SendAsync(TcpTransportTests.Reply(invite, 200, "OK", contact: target));

        string? ok;
        do
        {
            ok = await caller.ReceiveAsync(Wait);
        }
        while (ok is not null && SipText.StatusCode(ok) < 200);
        Assert.That(SipText.StatusCode(ok!), Is.EqualTo(200));
        var toTag = SipText.Header(ok!, "To")!.Split(";tag=")[1];
        var route = "Route: " + SipText.Header(ok!, "Record-Route");

        await caller.SendAsync(TlsRequest("ACK", target, caller.LocalEndPoint, "tls-dialog@test", route, toTag));
        var ack = await uas.ReceiveAsync(Wait);
        Assert.That(ack, Does.StartWith($"ACK {target} SIP/2.0"), "the ACK followed the route over the same TLS connection");

        await caller.SendAsync(TlsRequest("BYE", target, caller.LocalEndPoint, "tls-dialog@test", route, toTag).Replace("CSeq: 1 BYE", "CSeq: 2 BYE", StringComparison.Ordinal));
        var bye = await uas.ReceiveAsync(Wait) ?? throw new AssertionException("no BYE at the callee");
        Assert.That(bye, Does.StartWith($"BYE {target} SIP/2.0"));
        await uas.SendAsync(TcpTransportTests.Reply(bye, 200, "OK"));
        Assert.That(SipText.StatusCode(await caller.ReceiveAsync(Wait) ?? string.Empty), Is.EqualTo(200));
        Assert.That(host.Counters[SipCounter.TcpEstablished], Is.EqualTo(1), "INVITE, ACK and BYE shared one outgoing TLS connection");
    }

    [Test]
    public async Task CalleeCertificateForAnotherName_HandshakeRefusedByTheProxy_Caller503()
    {
        using var deployment = new TestDeployment();
        using var certificate = CreateCertificate(deployment.Root, "server", "localhost");
        using var wrong = CreateCertificate(deployment.Root, "other", "other.test");
        File.WriteAllText(Path.Combine(deployment.Root, "hostsettings.json"), Settings("\"CertificatePath\": \"server.crt\", \"PrivateKeyPath\": \"server.key\", \"CaPath\": \"other.crt\""));
        deployment.WithScript("request_route.csx", ProxyScript);
        await using var host = await RunningHost.StartAsync(deployment);
        using var uasListener = StreamPeer.Listen();
        var uasPort = ((IPEndPoint)uasListener.LocalEndPoint!).Port;
        using var caller = new UdpPeer();

        // other.crt is trusted as a CA, but it names other.test, not localhost.
        caller.Send(host.EndPoint, SipText.Request("INVITE", $"sip:bob@localhost:{uasPort};transport=tls", caller.LocalEndPoint, callId: "tls-wrong-name@test"));
        var accepted = StreamPeer.AcceptAsync(uasListener, new SslServerAuthenticationOptions { ServerCertificate = wrong });
        var codes = new List<int>();
        while (!codes.Any(c => c >= 200) && caller.Receive(Wait) is { } reply)
        {
            codes.Add(SipText.StatusCode(reply.Text));
        }

        Assert.That(codes, Does.Contain(503));
        Assert.That(host.Counters[SipCounter.TlsHandshakeFailures], Is.EqualTo(1));
        try
        {
            // With TLS 1.3 the callee's side of the handshake may complete before the proxy checks the certificate.
            using var uas = await accepted;
            Assert.That((await uas.ReadUntilClosedAsync(Wait)).Closed, Is.True, "the proxy dropped the connection");
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            // the callee saw the handshake aborted
        }
    }

    [Test]
    public async Task PlainSipToTlsPort_HandshakeFails_ClosedCountedLoggedOnce_TlsStillServed()
    {
        using var deployment = new TestDeployment();
        using var certificate = CreateCertificate(deployment.Root, "server", "localhost");
        File.WriteAllText(Path.Combine(deployment.Root, "hostsettings.json"), Settings("\"CertificatePath\": \"server.crt\", \"PrivateKeyPath\": \"server.key\""));
        deployment.WithScript("request_route.csx", ProxyScript);
        await using var host = await RunningHost.StartAsync(deployment);
        var proxy = host.Server.StreamListeners[0].LocalEndPoint;
        using var plain = await StreamPeer.ConnectAsync(proxy);

        await plain.SendAsync(TlsRequest("OPTIONS", $"sip:127.0.0.1:{proxy.Port}", plain.LocalEndPoint, "plain-to-tls@test"));
        var (_, closed) = await plain.ReadUntilClosedAsync(Wait);

        Assert.That(closed, Is.True);
        await UdpCoreTests.Eventually(() => host.Counters[SipCounter.TlsHandshakeFailures] == 1);
        Assert.That(RunningHost.Logs().Count(l => l.Contains($"connection with {plain.LocalEndPoint} closed (TlsHandshakeFailed)", StringComparison.Ordinal)), Is.EqualTo(1));
        using var tls = await StreamPeer.ConnectTlsAsync(proxy, ClientOptions(certificate));
        await tls.SendAsync(TlsRequest("OPTIONS", $"sip:127.0.0.1:{proxy.Port}", tls.LocalEndPoint, "tls-after@test"));
        Assert.That(SipText.StatusCode(await tls.ReceiveAsync(Wait) ?? string.Empty), Is.EqualTo(200));
    }

    // The obsolete enum members by value (0x300 = TLS 1.1, 0xC0 = TLS 1.0): they are the point of this test.
    [TestCase(0x300, TestName = "Tls11_Refused")]
    [TestCase(0xC0, TestName = "Tls10_Refused")]
    public async Task OldTlsVersions_Refused(int version)
    {
        var old = (SslProtocols)version;
        using var deployment = new TestDeployment();
        using var certificate = CreateCertificate(deployment.Root, "server", "localhost");
        File.WriteAllText(Path.Combine(deployment.Root, "hostsettings.json"), Settings("\"CertificatePath\": \"server.crt\", \"PrivateKeyPath\": \"server.key\""));
        deployment.WithScript("request_route.csx", ProxyScript);
        await using var host = await RunningHost.StartAsync(deployment);
        var proxy = host.Server.StreamListeners[0].LocalEndPoint;

        Assert.That(async () => await StreamPeer.ConnectTlsAsync(proxy, ClientOptions(certificate, old)), Throws.InstanceOf<Exception>());
        await UdpCoreTests.Eventually(() => host.Counters[SipCounter.TlsHandshakeFailures] == 1);
        using var modern = await StreamPeer.ConnectTlsAsync(proxy, ClientOptions(certificate));
        await modern.SendAsync(TlsRequest("OPTIONS", $"sip:127.0.0.1:{proxy.Port}", modern.LocalEndPoint, "tls-modern@test"));
        Assert.That(SipText.StatusCode(await modern.ReceiveAsync(Wait) ?? string.Empty), Is.EqualTo(200), "TLS 1.2+ is served");
    }
}
