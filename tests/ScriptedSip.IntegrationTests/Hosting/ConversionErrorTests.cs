using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Hosting;

/// <summary>A value of the wrong kind names the key in the documented form <c>Section:Key: reason</c>.</summary>
public sealed class ConversionErrorTests
{
    [TestCase("--Sip:Workers=abc", "error: Sip:Workers: 'abc' is not a number")]
    [TestCase("--Sip:Workers=4.5", "error: Sip:Workers: '4.5' is not a whole number")]
    [TestCase("--Sip:QueueLimit=99999999999", "error: Sip:QueueLimit: '99999999999' is out of range")]
    [TestCase("--Transactions:T1Ms=", "error: Transactions:T1Ms: '' is not a number")]
    [TestCase("--Scripts:HotReload=x", "error: Scripts:HotReload: 'x' is not true or false")]
    [TestCase("--Plugins:HotReload=yes", "error: Plugins:HotReload: 'yes' is not true or false")]
    [TestCase("--Logging:SipParseErrorLevel=Loud", "error: Logging:SipParseErrorLevel: 'Loud' is not one of Trace, Debug, Information, Warning, Error, Critical, None")]
    [TestCase("--Overload:RxQueuePercent=0", "error: Overload:RxQueuePercent: 0 is out of range 1..100")]
    [TestCase("--Overload:SampleIntervalMs=5", "error: Overload:SampleIntervalMs: 5 is out of range 10..60000")]
    [TestCase("--Overload:Enabled=maybe", "error: Overload:Enabled: 'maybe' is not true or false")]
    [TestCase("--Logging:SipParseErrorLevel=3", "error: Logging:SipParseErrorLevel: '3' is not one of Trace, Debug, Information, Warning, Error, Critical, None")]
    public void BadValue_ExitCode2_OneLineNamingTheKey(string argument, string expected)
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", "return;");

        var outcome = BuildOutcome.Of(deployment, argument);

        Assert.That(outcome.Settings, Is.Null);
        Assert.That(outcome.ExitCode, Is.EqualTo(2));
        Assert.That(outcome.ErrorLines, Is.EqualTo(new[] { expected }));
    }

    [Test]
    public void GoodValues_AnyCase_AreBound()
    {
        using var deployment = new TestDeployment().WithScript("request_route.csx", "return;");

        var outcome = BuildOutcome.Of(deployment, "--Scripts:HotReload=FALSE", "--Logging:SipParseErrorLevel=debug", "--Transactions:T1Ms= 250 ");

        Assert.That(outcome.ErrorLines, Is.Empty);
        Assert.That(outcome.Settings!.Scripts.HotReload, Is.False);
        Assert.That(outcome.Settings.Processing.SipParseErrorLevel, Is.EqualTo(Microsoft.Extensions.Logging.LogLevel.Debug));
        Assert.That(outcome.Settings.Transactions.T1Ms, Is.EqualTo(250));
    }
}
