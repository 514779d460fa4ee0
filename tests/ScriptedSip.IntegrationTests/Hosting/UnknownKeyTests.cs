using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Hosting;

/// <summary>A key that binds to nothing stops the host (exit 2) with one line, and the closest known key when one is near.</summary>
public sealed class UnknownKeyTests
{
    [TestCase("--Sip:Wrokers=4", "error: Sip:Wrokers: unknown key (did you mean Sip:Workers?)")]
    [TestCase("--sip:wrokers=4", "error: Sip:wrokers: unknown key (did you mean Sip:Workers?)")]
    [TestCase("--Sip:Listne:0=udp:127.0.0.1:5060", "error: Sip:Listne: unknown key (did you mean Sip:Listen?)")]
    [TestCase("--Sip:Colour=blue", "error: Sip:Colour: unknown key")]
    [TestCase("--NoSip:MinPacketSise=10", "error: NoSip:MinPacketSise: unknown key (did you mean NoSip:MinPacketSize?)")]
    [TestCase("--Transactions:FrTimer=5", "error: Transactions:FrTimer: unknown key (did you mean Transactions:FrTimerMs?)")]
    [TestCase("--Scripts:HotReloads=false", "error: Scripts:HotReloads: unknown key (did you mean Scripts:HotReload?)")]
    [TestCase("--Plugins:Pth=elsewhere", "error: Plugins:Pth: unknown key (did you mean Plugins:Path?)")]
    [TestCase("--Logging:SipParseErrorLvl=Debug", "error: Logging:SipParseErrorLvl: unknown key (did you mean Logging:SipParseErrorLevel?)")]
    [TestCase("--Logging:LogLevel:Default=Debug", "error: Logging:LogLevel: unknown key (what is logged where is set in the NLog section)")]
    [TestCase("--Sip:Workers:Count=4", "error: Sip:Workers:Count: unknown key")]
    [TestCase("--Sip:Listen:first=udp:127.0.0.1:5060", "error: Sip:Listen:first: unknown key (list entries are Sip:Listen:0, Sip:Listen:1, …)")]
    [TestCase("--Sip:Listen=udp:127.0.0.1:5070", "error: Sip:Listen: 'udp:127.0.0.1:5070' is a single value but Sip:Listen is a list: write Sip:Listen:0=udp:127.0.0.1:5070")]
    [TestCase("--Spi:Workers=4", "error: Spi: unknown section (did you mean Sip?)")]
    public void UnknownKeyOnTheCommandLine_ExitCode2_OneLine(string argument, string expected)
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", "return;");

        var outcome = BuildOutcome.Of(deployment, argument);

        Assert.That(outcome.Settings, Is.Null);
        Assert.That(outcome.ExitCode, Is.EqualTo(2));
        Assert.That(outcome.ErrorLines, Is.EqualTo(new[] { expected }));
    }

    [Test]
    public void UnknownKeyInHostSettings_ExitCode2_OneLine()
    {
        using var deployment = new TestDeployment("""{ "Sip": { "Listen": [ "udp:127.0.0.1:0" ], "Wrokers": 4 } }""").WithScript("request_route.csx", "return;");

        var outcome = BuildOutcome.Of(deployment);

        Assert.That(outcome.ExitCode, Is.EqualTo(2));
        Assert.That(outcome.ErrorLines, Is.EqualTo(new[] { "error: Sip:Wrokers: unknown key (did you mean Sip:Workers?)" }));
    }

    [Test]
    public void UnknownSectionInHostSettings_ExitCode2_OneLine()
    {
        using var deployment = new TestDeployment("""{ "Sip": { "Listen": [ "udp:127.0.0.1:0" ] }, "Transaction": { "T1Ms": 400 } }""").WithScript("request_route.csx", "return;");

        var outcome = BuildOutcome.Of(deployment);

        Assert.That(outcome.ErrorLines, Is.EqualTo(new[] { "error: Transaction: unknown section (did you mean Transactions?)" }));
    }

    [Test]
    public void EveryUnknownKeyIsReported_OneLineEach()
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", "return;");

        var outcome = BuildOutcome.Of(deployment, "--Sip:Wrokers=4", "--NoSip:Colour=red");

        Assert.That(outcome.ErrorLines, Is.EquivalentTo(new[]
        {
            "error: Sip:Wrokers: unknown key (did you mean Sip:Workers?)",
            "error: NoSip:Colour: unknown key",
        }));
    }

    [Test]
    public void EmptyPluginSectionInHostSettings_IsThePluginsOwn()
    {
        using var deployment = new TestDeployment("""{ "Sip": { "Listen": [ "udp:127.0.0.1:0" ] }, "Plugins": { "HotReload": false, "Htable": {} } }""").WithScript("request_route.csx", "return;");

        var outcome = BuildOutcome.Of(deployment);

        Assert.That(outcome.ErrorLines, Is.Empty);
        Assert.That(outcome.Settings!.Plugins.HotReload, Is.False);
    }

    [Test]
    public void KeysAreCaseInsensitive_PluginSectionsAndNLogAreLeftToTheirOwners()
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", "return;");

        var outcome = BuildOutcome.Of(
            deployment,
            "--sip:workers=4",
            "--SCRIPTS:HOTRELOAD=false",
            "--Plugins:Htable:Tables:t:Size=10",
            "--Plugins:Anything:Whatever=1",
            "--NLog:throwConfigExceptions=true");

        Assert.That(outcome.ErrorLines, Is.Empty);
        Assert.That(outcome.Settings!.Sip.Workers, Is.EqualTo(4));
        Assert.That(outcome.Settings.Scripts.HotReload, Is.False);
    }
}
