using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Transactions;

/// <summary>Parallel forking with AppendBranch (RFC 3261 §16.7) and what the failure route learns about each branch.</summary>
[NonParallelizable]
public sealed class ParallelForkTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Test]
    public async Task AllBranchesFail_FailureRouteSeesEveryBranchWithItsStatus()
    {
        using var first = new UdpPeer();
        using var second = new UdpPeer();
        using var deployment = new TestDeployment()
            .WithScript("request_route.csx", $"""
                Ru = "sip:bob@{first.LocalEndPoint}";
                AppendBranch("sip:bob@{second.LocalEndPoint}");
                TOnFailure("F");
                TRelay();
                """)
            .WithScript("F.csx", """SlSendReply(480, string.Join(",", BranchResults.Select(b => $"{b.Uri}={b.Status}")));""");
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();

        caller.Send(host.EndPoint, SipText.Request("INVITE", "sip:bob@example.test", caller.LocalEndPoint));
        var atFirst = first.ReceiveText(Wait);
        var atSecond = second.ReceiveText(Wait);
        first.Send(host.EndPoint, Reply(atFirst, 486, "Busy Here"));
        second.Send(host.EndPoint, Reply(atSecond, 404, "Not Found"));

        string reply;
        do
        {
            reply = caller.ReceiveText(Wait);
        }
        while (SipText.StatusCode(reply) < 200);

        Assert.That(reply, Does.StartWith($"SIP/2.0 480 sip:bob@{first.LocalEndPoint}=486,sip:bob@{second.LocalEndPoint}=404\r\n"));
    }

    [Test]
    public async Task A6xxEndsTheFork_OtherBranchCancelled_6xxGoesUpstream()
    {
        using var first = new UdpPeer();
        using var second = new UdpPeer();
        using var deployment = new TestDeployment()
            .WithScript("request_route.csx", $"""
                Ru = "sip:bob@{first.LocalEndPoint}";
                AppendBranch("sip:bob@{second.LocalEndPoint}");
                TRelay();
                """);
        await using var host = await RunningHost.StartAsync(deployment);
        using var caller = new UdpPeer();

        caller.Send(host.EndPoint, SipText.Request("INVITE", "sip:bob@example.test", caller.LocalEndPoint));
        var atFirst = first.ReceiveText(Wait);
        var atSecond = second.ReceiveText(Wait);
        second.Send(host.EndPoint, Reply(atSecond, 180, "Ringing"));
        first.Send(host.EndPoint, Reply(atFirst, 603, "Decline"));

        string cancel;
        do
        {
            cancel = second.ReceiveText(Wait);
        }
        while (!cancel.StartsWith("CANCEL ", StringComparison.Ordinal));

        second.Send(host.EndPoint, Reply(atSecond, 487, "Request Terminated"));
        string reply;
        do
        {
            reply = caller.ReceiveText(Wait);
        }
        while (SipText.StatusCode(reply) < 200);

        Assert.That(SipText.StatusCode(reply), Is.EqualTo(603));
    }

    private static string Reply(string request, int status, string reason)
    {
        var headers = request.Split("\r\n").TakeWhile(l => l.Length > 0).Skip(1)
            .Where(l => l.StartsWith("Via:", StringComparison.OrdinalIgnoreCase) || l.StartsWith("From:", StringComparison.OrdinalIgnoreCase)
                        || l.StartsWith("Call-ID:", StringComparison.OrdinalIgnoreCase) || l.StartsWith("CSeq:", StringComparison.OrdinalIgnoreCase))
            .ToList();
        headers.Add("To: " + SipText.Header(request, "To") + ";tag=t" + status.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return $"SIP/2.0 {status} {reason}\r\n" + string.Join("\r\n", headers) + "\r\nContent-Length: 0\r\n\r\n";
    }
}
