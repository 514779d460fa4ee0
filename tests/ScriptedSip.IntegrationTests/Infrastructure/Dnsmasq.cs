using System.Diagnostics;
using System.Net;

namespace ScriptedSip.IntegrationTests.Infrastructure;

/// <summary>
/// A real DNS server for RFC 3263 tests: dnsmasq (Debian package dnsmasq) in the foreground on
/// 127.0.0.1 and a free high port, with no upstream, no /etc/hosts and no configuration file: it
/// answers only the records the test gives (<c>--srv-host</c>, <c>--naptr-record</c>,
/// <c>--host-record</c>, <c>--cname</c>), and NXDOMAIN for any other name under <c>test</c>.
/// Killed on dispose. Tests that need it are ignored with the install hint when it is missing.
/// </summary>
public sealed class Dnsmasq : IDisposable
{
    /// <summary>The TTL of every record the test gives (dnsmasq's default for its own records is 0: never cached).</summary>
    public const int RecordTtlSeconds = 60;

    private readonly Process _process;
    private readonly Task<string> _output;

    private Dnsmasq(Process process, int port)
    {
        _process = process;
        Port = port;
        _output = process.StandardError.ReadToEndAsync();
    }

    public int Port { get; }

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    /// <summary>The value for <c>Dns:Servers:0</c>.</summary>
    public string Server => $"127.0.0.1:{Port}";

    public static string? Path => Sipp.FindOnPath("dnsmasq") ?? (File.Exists("/usr/sbin/dnsmasq") ? "/usr/sbin/dnsmasq" : null);

    public static void RequireInstalled()
    {
        if (Path is null)
        {
            Assert.Ignore("dnsmasq is not installed: apt-get install -y dnsmasq (CI installs it)");
        }
    }

    /// <summary>Starts dnsmasq with <paramref name="records"/> (dnsmasq options such as <c>--srv-host=...</c>) and waits until it listens.</summary>
    public static async Task<Dnsmasq> StartAsync(params string[] records)
    {
        RequireInstalled();
        var port = UdpPeer.FreePort();
        var info = new ProcessStartInfo(Path!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])[
            "--keep-in-foreground", "--no-resolv", "--no-hosts", "--conf-file=/dev/null", "--pid-file=",
            "--listen-address=127.0.0.1", "--bind-interfaces", "--port=" + port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--local=/test/", "--local-ttl=" + RecordTtlSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--log-facility=-", .. records])
        {
            info.ArgumentList.Add(arg);
        }

        var dnsmasq = new Dnsmasq(Process.Start(info)!, port);
        try
        {
            await WaitUntilListeningAsync(dnsmasq).ConfigureAwait(false);
        }
        catch
        {
            dnsmasq.Dispose();
            throw;
        }

        return dnsmasq;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.WaitForExit(5000);
        _process.Dispose();
    }

    private static async Task WaitUntilListeningAsync(Dnsmasq dnsmasq)
    {
        var token = ":" + dnsmasq.Port.ToString("X4", System.Globalization.CultureInfo.InvariantCulture) + " ";
        var deadline = Environment.TickCount64 + 10_000;
        while (!File.ReadLines("/proc/net/udp").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Any(f => f.Length > 1 && (f[1] + " ").EndsWith(token, StringComparison.Ordinal)))
        {
            if (dnsmasq._process.HasExited)
            {
                Assert.Fail("dnsmasq stopped at once: " + await dnsmasq._output.ConfigureAwait(false));
            }

            if (Environment.TickCount64 > deadline)
            {
                Assert.Fail($"dnsmasq does not listen on UDP port {dnsmasq.Port} after 10 s");
            }

            await Task.Delay(10).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Host settings that ask this server (2 s per query), listening on UDP (and TCP when
    /// <paramref name="tcp"/>) on loopback; <paramref name="extra"/> is more JSON of the same level.
    /// </summary>
    public string HostSettings(bool tcp = false, string extra = "")
    {
        var listen = tcp ? "\"udp:127.0.0.1:0\", \"tcp:127.0.0.1:0\"" : "\"udp:127.0.0.1:0\"";
        return TestDeployment.DefaultSettings($$"""
            "Dns": { "Servers": [ "{{Server}}" ], "TimeoutMs": 2000 },
            {{extra}}
            """).Replace("\"Listen\": [ \"udp:127.0.0.1:0\" ]", $"\"Listen\": [ {listen} ]", StringComparison.Ordinal);
    }
}
