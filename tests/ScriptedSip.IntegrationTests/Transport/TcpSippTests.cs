using System.Globalization;
using System.Net;
using ScriptedSip.Core.Stats;
using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Transport;

/// <summary>
/// Calls through the proxy with sipp over TCP (<c>-t t1</c>: one connection per side), TCP on both
/// sides and switching between UDP and TCP; every INVITE, ACK and BYE goes through the proxy.
/// </summary>
[NonParallelizable]
public sealed class TcpSippTests
{
    // A request with ;transport=tcp in its target URI leaves over TCP; the script adds it when the
    // test asks for a TCP callee (sipp's Request-URI names none). Everything else is the shipped proxy's logic.
    private const string ProxyScript = """
        if (!MaxFwdProcess(10)) { SlSendReply(483, "Too Many Hops"); return; }
        if (HasToTag())
        {
            if (LooseRoute() || !IsMyself(Ru)) { TRelay(); return; }
            if (!IsMethod("ACK")) { SlSendReply(404, "Not Here"); }
            return;
        }

        if (IsMethod("CANCEL")) { Forward(); return; }
        if (IsMethod("INVITE")) { RecordRoute(); }
        if ((string?)Shv["callee"] == "tcp") { Du = Ru + ";transport=tcp"; }
        if (!TRelay()) { SlSendReply(500, "Relay Failed"); }
        """;

    [Test]
    public Task TcpCallerTcpCallee_200CallsAt100PerSecond_AllComplete() => RunCalls("tcp", "tcp", builtInUas: true);

    [Test]
    public Task UdpCallerTcpCallee_DoubleRecordRoute_AckAndByeFollowIt_AllComplete() => RunCalls("udp", "tcp", builtInUas: false);

    [Test]
    public Task TcpCallerUdpCallee_DoubleRecordRoute_AckAndByeFollowIt_AllComplete() => RunCalls("tcp", "udp", builtInUas: false);

    private static async Task RunCalls(string caller, string callee, bool builtInUas)
    {
        const int Calls = 200;
        Sipp.RequireInstalled();
        using var deployment = new TestDeployment(TcpTransportTests.Settings(transactions: "\"FrTimerMs\": 5000, \"WaitMs\": 300"))
            .WithScript("request_route.csx", ProxyScript);
        await using var host = await RunningHost.StartAsync(deployment);
        host.Shv["callee"] = callee;
        var uasPort = FreeTcpAndUdpPort();
        string[] uasScenario = builtInUas ? ["-sn", "uas"] : ["-sf", Sipp.Scenario("uas_record_route.xml")];
        using var uas = Sipp.Start([.. uasScenario, "-t", callee == "tcp" ? "t1" : "u1", "-p", Text(uasPort), "-m", Text(Calls)]);
        await WaitUntilListeningAsync(uasPort, callee);
        var proxy = caller == "tcp" ? TcpTransportTests.TcpEndPoint(host) : host.EndPoint;
        using var uac = Sipp.Start("-sf", Sipp.Scenario("uac_record_route.xml"), "-t", caller == "tcp" ? "t1" : "u1", $"127.0.0.1:{uasPort}", "-rsa", proxy.ToString(), "-p", Text(FreeTcpAndUdpPort()), "-m", Text(Calls), "-r", "100", "-timeout", "60s");

        var result = await uac.WaitAsync(TimeSpan.FromSeconds(90));
        var uasResult = await uas.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That(result.Successful, Is.EqualTo(Calls), result.Output);
        Assert.That(result.Failed, Is.Zero, result.Output);
        Assert.That(uasResult.Failed, Is.Zero, "the callee saw the Record-Route it expects: " + uasResult.Output);
        // Received over TCP per call: INVITE, ACK and BYE from a TCP caller; the 200s of INVITE and BYE from a TCP callee
        // (which listens on TCP only, so the ACK and BYE it answered reached it over TCP).
        var perCall = (caller == "tcp" ? 3 : 0) + (callee == "tcp" ? 2 : 0);
        Assert.That(host.Counters[SipCounter.TcpMessages], Is.GreaterThanOrEqualTo(Calls * perCall));
        await UdpCoreTests.Eventually(() => host.Server.Transactions.Table.Count == 0, 10_000);
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A port free for both UDP and TCP on 127.0.0.1 a moment ago (sipp binds both for -t t1).</summary>
    internal static int FreeTcpAndUdpPort()
    {
        for (var i = 0; ; i++)
        {
            var port = UdpPeer.FreePort();
            try
            {
                using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (System.Net.Sockets.SocketException) when (i < 20)
            {
            }
        }
    }

    /// <summary>Waits until something listens on <paramref name="port"/> (the kernel's socket table), for TCP in LISTEN state.</summary>
    internal static async Task WaitUntilListeningAsync(int port, string transport)
    {
        if (transport != "tcp")
        {
            await Sipp.WaitUntilListeningAsync(port);
            return;
        }

        var token = ":" + port.ToString("X4", CultureInfo.InvariantCulture);
        var deadline = Environment.TickCount64 + 10_000;
        while (!new[] { "/proc/net/tcp", "/proc/net/tcp6" }.Where(File.Exists).SelectMany(File.ReadLines)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Any(f => f.Length > 3 && f[1].EndsWith(token, StringComparison.Ordinal) && f[3] == "0A"))
        {
            if (Environment.TickCount64 > deadline)
            {
                Assert.Fail($"nothing listens on TCP port {port} after 10 s (did sipp start?)");
            }

            await Task.Delay(10);
        }
    }
}
