using NUnit.Framework;
using ScriptedSip.Testing;

namespace MyRoutes.Tests;

/// <summary>scripts/RESUME.csx, reached through nosip_msg.csx for a transaction a request route parked.</summary>
public sealed class ResumeTests
{
    [Test]
    public void ResumedInvite_IsRelayed()
    {
        // The scripts folder, with a request route that parks every INVITE (as the seed example does).
        var folder = Path.Combine(Path.GetTempPath(), "myroutes-resume-" + Guid.NewGuid().ToString("N"));
        CopyFolder(Scripts.Folder, folder);
        File.WriteAllText(Path.Combine(folder, "request_route.csx"), "TSuspend();");
        try
        {
            using var host = Scripts.Start(folder);
            var parked = host.Send(SipRequest.Invite("sip:bob@example.com")).Suspension;

            var resumed = host.SendDatagram(parked.ResumePacket("RESUME"), from: "127.0.0.1:9");

            Assert.That(resumed.Relay.Method, Is.EqualTo("INVITE"));
            Assert.That(resumed.Relay.Destination.ToString(), Is.EqualTo("192.0.2.20:5060"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
