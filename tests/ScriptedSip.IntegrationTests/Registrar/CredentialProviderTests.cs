using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Registrar;

/// <summary>A credential provider supplied by a script: awaited by the route without holding the worker.</summary>
[NonParallelizable]
public sealed class CredentialProviderTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    // The provider waits for a gate that only another request (OPTIONS) opens: with one worker, the
    // REGISTER can only succeed if its route released the worker while it awaited the provider.
    private const string Script = """
        using ScriptedSip.Plugins.Auth;
        var auth = Plugin<Auth>();
        var gate = (TaskCompletionSource<string?>)Shv.GetOrAdd("gate", _ => new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously))!;
        if (IsMethod("OPTIONS"))
        {
            gate.TrySetResult("carols-secret");
            SlSendReply(200, "released");
            return;
        }

        auth.SetCredentialProvider(async (user, realm) => user == "carol" ? await gate.Task : null);
        if (await auth.AuthCheck(Message, "") != AuthResult.Ok)
        {
            return;
        }

        SlSendReply(200, "welcome " + Var["auth.user"]);
        """;

    [Test]
    public async Task SlowProvider_RouteAwaitsIt_WorkerServesOtherRequestsMeanwhile()
    {
        using var deployment = new TestDeployment(TestDeployment.DefaultSettings("""
            "Plugins": { "Auth": { "Algorithms": [ "MD5" ] } },
            """)).WithScript("request_route.csx", Script).WithShippedPlugin("Auth");
        await using var host = await RunningHost.StartAsync(deployment, "--Sip:Workers=1");
        using var carol = new DigestClient(host.EndPoint, "carol", "carols-secret");
        using var other = new UdpPeer();

        var challenge = carol.Exchange(carol.RegisterText("Contact: <sip:carol@127.0.0.1:7003>"));
        Assert.That(SipText.StatusCode(challenge), Is.EqualTo(401));
        carol.Peer.Send(host.EndPoint, carol.RegisterText("Contact: <sip:carol@127.0.0.1:7003>",
            credentials: carol.Credentials(challenge, "REGISTER", $"sip:{carol.Domain}", "MD5", "WWW-Authenticate")));

        other.Send(host.EndPoint, SipText.Request("OPTIONS", $"sip:{host.EndPoint}", other.LocalEndPoint));
        Assert.That(other.ReceiveText(Wait), Does.StartWith("SIP/2.0 200 released"), "the only worker is free while the provider is awaited");

        string reply;
        do
        {
            reply = carol.Peer.ReceiveText(Wait);
        }
        while (SipText.StatusCode(reply) == 100);

        Assert.That(reply, Does.StartWith("SIP/2.0 200 welcome carol"));
    }
}
