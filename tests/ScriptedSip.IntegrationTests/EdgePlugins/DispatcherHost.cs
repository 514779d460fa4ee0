using System.Globalization;
using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.EdgePlugins;

/// <summary>
/// A host with the Dispatcher plugin and a request route that selects and answers with the result
/// (no call is relayed): <c>X-Set</c>/<c>X-Alg</c> choose, the reply's reason phrase is the chosen
/// <c>Du</c> (or <c>none</c>); <c>X-Next: N</c> moves N more times and lists each <c>Du</c>;
/// <c>X-States</c> answers with the set's states; dst_down/dst_up routes record into Shv.
/// </summary>
internal static class DispatcherHost
{
    public const string Route = """
        var d = Plugin<ScriptedSip.Plugins.Dispatcher.Dispatcher>();
        if (Hdr("X-States") is { } statesOf)
        {
            SlSendReply(200, string.Join(",", d.List(int.Parse(statesOf)).Select(x => x.State)));
            return;
        }

        if (Hdr("X-Set-State") is { } change)
        {
            var parts = change.Split(' ');
            SlSendReply(d.SetState(int.Parse(parts[0]), parts[1], parts[2]) ? 200 : 404, "set");
            return;
        }

        if (!d.Select(Message, int.Parse(Hdr("X-Set") ?? "1"), int.Parse(Hdr("X-Alg") ?? "0")))
        {
            SlSendReply(503, "none");
            return;
        }

        var chosen = Du!;
        for (var i = 0; i < int.Parse(Hdr("X-Next") ?? "0"); i++)
        {
            chosen += "," + (d.Next(Message) ? Du : "end");
        }

        if (Hdr("X-Load-End") is not null)
        {
            d.LoadEnd(Message);
        }

        SlSendReply(200, chosen);
        """;

    public const string DownRoute = "Shv[\"down:\" + Mb] = ((int?)Shv.GetValueOrDefault(\"down:\" + Mb) ?? 0) + 1;";

    public const string UpRoute = "Shv[\"up:\" + Mb] = ((int?)Shv.GetValueOrDefault(\"up:\" + Mb) ?? 0) + 1;";

    public static TestDeployment Deployment(string dispatcherJson) =>
        new TestDeployment(TestDeployment.DefaultSettings($"\"Plugins\": {{ \"Dispatcher\": {dispatcherJson} }},"))
            .WithShippedPlugin("Dispatcher")
            .WithScript("request_route.csx", Route)
            .WithScript("dispatcher_dst_down.csx", DownRoute)
            .WithScript("dispatcher_dst_up.csx", UpRoute);

    /// <summary>Three destinations on 127.0.0.1:ports, set 1, as JSON.</summary>
    public static string Set(params (int Port, int Weight, int Priority)[] destinations) =>
        "{ \"1\": [ " + string.Join(", ", destinations.Select(d => string.Create(CultureInfo.InvariantCulture, $"{{ \"Uri\": \"sip:127.0.0.1:{d.Port}\", \"Weight\": {d.Weight}, \"Priority\": {d.Priority} }}"))) + " ] }";

    /// <summary>Sends one selecting request and returns the reply's status and reason.</summary>
    public static (int Code, string Reason) Ask(RunningHost host, UdpPeer peer, string headers, string? callId = null)
    {
        peer.Send(host.EndPoint, SipText.Request("OPTIONS", "sip:service@example.com", peer.LocalEndPoint, callId: callId, extraHeaders: headers));
        var reply = peer.ReceiveText(TimeSpan.FromSeconds(5));
        var firstLine = reply[..reply.IndexOf("\r\n", StringComparison.Ordinal)];
        return (SipText.StatusCode(reply), firstLine[12..]);
    }
}
