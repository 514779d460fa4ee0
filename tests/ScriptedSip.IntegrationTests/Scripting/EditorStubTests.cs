using ScriptedSip.IntegrationTests.Infrastructure;
using ScriptedSip.Scripting;

namespace ScriptedSip.IntegrationTests.Scripting;

/// <summary>The editor stub: generated from the globals type, ignored by the runtime.</summary>
public sealed class EditorStubTests
{
    private const string SdkReference = "../../host/ScriptedSip.Sdk/bin/Debug/net10.0/ScriptedSip.Sdk.dll";

    [Test]
    public void EditorStub_InTheRepository_MatchesTheGlobalsType()
    {
        var path = Path.Combine(TestDeployment.BuildOutput("RepoRoot"), "scripts", EditorStub.FolderName, EditorStub.FileName);
        var expected = EditorStub.Generate(SdkReference);
        if (Environment.GetEnvironmentVariable("UPDATE_EDITOR_STUB") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, expected);
        }

        Assert.That(File.ReadAllText(path), Is.EqualTo(expected), "regenerate with UPDATE_EDITOR_STUB=1 dotnet test --filter EditorStub");
        Assert.That(expected, Does.Contain("string Mb => __globals.Mb;"));
        Assert.That(expected, Does.Contain("bool TContinue(string tindex, string tlabel, string route) => __globals.TContinue(tindex, tlabel, route);"));
    }

    [Test]
    public async Task ScriptLoadingTheStub_CompilesAndRunsOnTheRealGlobals()
    {
        using var deployment = new TestDeployment()
            .WithScript("request_route.csx", "#load \".editor/globals.csx\"\nSlSendReply(200, Si);")
            .WithScript(".editor/globals.csx", EditorStub.Generate(SdkReference));
        await using var host = await RunningHost.StartAsync(deployment);
        using var peer = new UdpPeer();

        peer.Send(host.EndPoint, SipText.Request("MESSAGE", "sip:x@127.0.0.1", peer.LocalEndPoint));

        Assert.That(peer.ReceiveText(TimeSpan.FromSeconds(5)), Does.StartWith("SIP/2.0 200 127.0.0.1"));
    }
}
