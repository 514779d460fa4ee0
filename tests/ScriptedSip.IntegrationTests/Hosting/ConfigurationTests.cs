using ScriptedSip.Host;
using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Hosting;

/// <summary>Bad configuration stops the host with exit code 2 and one line naming the key.</summary>
public sealed class ConfigurationTests
{
    [TestCase("--Sip:Workers=-1", "error: Sip:Workers: -1 is out of range 0..256")]
    [TestCase("--Sip:Listen:0=sctp:127.0.0.1:5060", "error: Sip:Listen:0: 'sctp:127.0.0.1:5060' is not supported")]
    [TestCase("--Sip:Listen:0=tcp:127.0.0.1", "error: Sip:Listen:0: 'tcp:127.0.0.1' is not udp:IP:PORT")]
    [TestCase("--Tcp:MaxConnections=0", "error: Tcp:MaxConnections: 0 is out of range")]
    [TestCase("--Tcp:ReadThreads=0", "error: Tcp:ReadThreads: 0 is out of range")]
    [TestCase("--Tcp:HeaderTimeoutMz=5", "error: Tcp:HeaderTimeoutMz: unknown key (did you mean Tcp:HeaderTimeoutMs?)")]
    [TestCase("--Sip:Listen:0=tls:127.0.0.1:0", "error: Tls:CertificatePath: a tls: listen address needs a certificate")]
    [TestCase("--Sip:Listen:0=tls:127.0.0.1:0 --Tls:CertificatePath=missing.crt --Tls:PrivateKeyPath=missing.key", "error: Tls:CertificatePath: cannot load the certificate")]
    [TestCase("--Tls:VerifyClient=sometimes", "error: Tls:VerifyClient: 'sometimes' is not one of")]
    [TestCase("--Sip:Listen:0=udp:127.0.0.1", "error: Sip:Listen:0: 'udp:127.0.0.1' is not udp:IP:PORT")]
    [TestCase("--Sip:ReceiveThreads=0", "error: Sip:ReceiveThreads: 0 is out of range 1..64")]
    [TestCase("--Sip:MaxMessageSize=70000", "error: Sip:MaxMessageSize: 70000 is out of range")]
    [TestCase("--NoSip:MsgMatch=([a-z", "error: NoSip:MsgMatch: invalid regular expression")]
    [TestCase("--NoSip:MsgSkip=*oops", "error: NoSip:MsgSkip: invalid regular expression")]
    [TestCase("--NoSip:MinPacketSize=-5", "error: NoSip:MinPacketSize: -5 is out of range")]
    [TestCase("--Transactions:T1Ms=0", "error: Transactions:T1Ms: 0 is out of range")]
    [TestCase("--Dns:Servers:0=dns.example.com", "error: Dns:Servers:0: 'dns.example.com' is not an IP address or IP:PORT")]
    [TestCase("--Dns:Servers:0=127.0.0.1:70000", "error: Dns:Servers:0: '127.0.0.1:70000' is not an IP address or IP:PORT")]
    [TestCase("--Dns:TimeoutMs=0", "error: Dns:TimeoutMs: 0 is out of range 10..60000")]
    [TestCase("--Dns:TimeoutMz=5", "error: Dns:TimeoutMz: unknown key (did you mean Dns:TimeoutMs?)")]
    public void BadValue_BuildFails_ExitCode2_OneLineNamingTheKey(string argument, string expected)
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", "return;");
        using var errors = new StringWriter();

        var (host, exitCode) = ScriptedSipApplication.Build(["--contentRoot", deployment.Root, .. argument.Split(' ')], errors);

        Assert.That(host, Is.Null);
        Assert.That(exitCode, Is.EqualTo(2));
        var lines = errors.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1));
        Assert.That(lines[0], Does.Contain(expected));
    }

    [Test]
    public void TlsKeyThatDoesNotMatchTheCertificate_ExitCode2NamingTheKey()
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", "return;");
        using var one = Transport.TlsTransportTests.CreateCertificate(deployment.Root, "one", "localhost");
        using var other = Transport.TlsTransportTests.CreateCertificate(deployment.Root, "other", "localhost");
        using var errors = new StringWriter();

        var (host, exitCode) = ScriptedSipApplication.Build(
            ["--contentRoot", deployment.Root, "--Sip:Listen:0=tls:127.0.0.1:0", "--Tls:CertificatePath=one.crt", "--Tls:PrivateKeyPath=other.key"], errors);

        Assert.That(host, Is.Null);
        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(errors.ToString().Trim(), Does.StartWith("error: Tls:CertificatePath: cannot load the certificate").And.Contain("one.crt"));
    }

    [Test]
    public void CommandLineOverridesHostSettingsFile()
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", "return;");
        var (host, _) = ScriptedSipApplication.Build(["--contentRoot", deployment.Root, "--NoSip:MinPacketSize=7"], TextWriter.Null);
        using (host)
        {
            var settings = (ScriptedSip.Host.Configuration.HostSettings)host!.Services.GetService(typeof(ScriptedSip.Host.Configuration.HostSettings))!;
            Assert.That(settings.NoSip.MinPacketSize, Is.EqualTo(7));
            Assert.That(settings.Scripts.Path, Is.EqualTo(Path.Combine(deployment.Root, "scripts")), "relative paths resolve against the content root");
        }
    }

    [Test]
    public void ContentRootThatDoesNotExist_ExitCode2NamingIt()
    {
        using var errors = new StringWriter();
        var missing = Path.Combine(Path.GetTempPath(), "scriptedsip-missing-" + Guid.NewGuid().ToString("N"));

        var (host, exitCode) = ScriptedSipApplication.Build(["--contentRoot", missing], errors);

        Assert.That(host, Is.Null);
        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(errors.ToString().Trim(), Is.EqualTo($"error: --contentRoot: the folder {missing} does not exist"));
    }

    [Test]
    public void HostSettingsThatIsNotJson_ExitCode2NamingTheFile()
    {
        using var deployment = new TestDeployment("{ this is not json").WithScript("request_route.csx", "return;");
        using var errors = new StringWriter();

        var (host, exitCode) = ScriptedSipApplication.Build(["--contentRoot", deployment.Root], errors);

        Assert.That(host, Is.Null);
        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(errors.ToString(), Does.Contain("hostsettings.json"));
    }
}
