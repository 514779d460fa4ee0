using BenchmarkDotNet.Attributes;
using ScriptedSip.Testing;

namespace ScriptedSip.Benchmarks;

/// <summary>
/// The route test kit (ScriptedSip.Testing) on the shipped scripts/: one whole call per operation
/// (INVITE relayed, 200 from the callee, ACK, BYE relayed and answered, one timer tick so the
/// finished transactions leave the table), and a host start on a warm compile cache. Everything
/// runs on the calling thread, so the time per call is its CPU time on an idle machine.
/// </summary>
[MemoryDiagnoser]
public class RouteTestKitBenchmarks
{
    private RouteTestHost _host = null!;
    private string _root = string.Empty;
    private string _scripts = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        _root = RepositoryRoot();
        _scripts = Path.Combine(_root, "scripts");
        _host = RouteTestHost.Start(Options());
        Call(); // compiles nothing more, but JITs the path
    }

    [GlobalCleanup]
    public void Cleanup() => _host.Dispose();

    /// <summary>INVITE → relay → 200 → ACK → BYE → relay → 200, through request_route.csx.</summary>
    [Benchmark]
    public int Call()
    {
        var invite = _host.Send(SipRequest.Invite("sip:bob@example.com"));
        var ok = invite.Relay.Respond(200);
        _host.Send(ok.Reply.Ack());
        var bye = _host.Send(ok.Reply.InDialog("BYE"));
        var status = bye.Relay.Respond(200).Reply.Status;
        _host.Advance(TimeSpan.FromMilliseconds(10));
        _host.ForgetHistory();
        return status;
    }

    /// <summary>RouteTestHost.Start on the shipped scripts, every route from the compile cache, then Dispose.</summary>
    [Benchmark]
    public int StartOnWarmCache()
    {
        using var host = RouteTestHost.Start(Options());
        return host.Routes.Count;
    }

    // The finished transactions linger for Transactions:WaitMs; 0 lets the tick above remove them,
    // so the table does not grow over millions of calls.
    // The shipped scripts call the Registrar and Auth plugins (and the non-SIP route Permissions):
    // loaded as the shipped-script suites load them, authentication off (a plain proxy).
    private RouteTestOptions Options() => new RouteTestOptions(_scripts)
        .WithPlugin(Path.Combine(_root, "plugins", "Registrar"))
        .WithPlugin(Path.Combine(_root, "plugins", "Auth"))
        .WithPlugin(Path.Combine(_root, "plugins", "Permissions"))
        .WithSetting("Plugins:Auth:Enabled", "false")
        .WithSetting("Plugins:Registrar:DataPath", "")
        .WithSetting("Plugins:Permissions:Groups:trusted:0", "127.0.0.1/32")
        .WithHost("example.com", "192.0.2.20")
        .WithSetting("Transactions:WaitMs", "0");

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ScriptedSip.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ScriptedSip.sln not found above " + AppContext.BaseDirectory);
    }
}
