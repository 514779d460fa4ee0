using ScriptedSip.Scripts.Tests.Infrastructure;

namespace ScriptedSip.Scripts.Tests.Kit;

public sealed class SmokeTests
{
    [Test]
    public void Invite_IsRelayed()
    {
        using var host = RouteTestHost.Start(new RouteTestOptions(Repository.Scripts).WithHost("example.com", "192.0.2.20"));
        var outcome = host.Send(SipRequest.Invite("sip:bob@example.com"));
        TestContext.Out.WriteLine(outcome.ToString());
        foreach (var m in outcome.Sent) TestContext.Out.WriteLine(m.Text);
        var ok = outcome.Relay.Respond(200);
        TestContext.Out.WriteLine(ok.ToString());
        var ack = host.Send(ok.Reply.Ack());
        TestContext.Out.WriteLine(ack.ToString());
        foreach (var m in ack.Sent) TestContext.Out.WriteLine(m.Text);
    }
}
