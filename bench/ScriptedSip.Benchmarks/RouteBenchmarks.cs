using BenchmarkDotNet.Attributes;

namespace ScriptedSip.Benchmarks;

/// <summary>Whole-message costs through the real processor: a trivial route, a stateless reply, a non-SIP packet.</summary>
[MemoryDiagnoser]
public class RouteBenchmarks
{
    private PipelineFixture _fixture = null!;
    private byte[] _options = [];
    private byte[] _info = [];
    private byte[] _noSip = [];

    [GlobalSetup]
    public void Setup()
    {
        _fixture = new PipelineFixture(new Dictionary<string, string>
        {
            ["request_route.csx"] = "if (IsMethod(\"OPTIONS\")) { SlSendReply(200, \"OK\"); return; }\nreturn;",
            ["nosip_msg.csx"] = "return;",
        });
        _options = PipelineFixture.Request("OPTIONS", _fixture.SinkPort, "bench-options@test", "opt1");
        _info = PipelineFixture.Request("INFO", _fixture.SinkPort, "bench-info@test", "info1");
        _noSip = System.Text.Encoding.ASCII.GetBytes("a 40-byte non-SIP packet for the route.");
    }

    [GlobalCleanup]
    public void Cleanup() => _fixture.Dispose();

    /// <summary>Parse + request_route that returns at once (no reply).</summary>
    [Benchmark]
    public void TrivialRoute() => _fixture.Handle(_info);

    /// <summary>Parse + request_route + SlSendReply 200 (written and sent with sendto).</summary>
    [Benchmark]
    public void OptionsStatelessReply() => _fixture.Handle(_options);

    /// <summary>A 40-byte non-SIP packet through nosip_msg.csx.</summary>
    [Benchmark]
    public void NoSipPacket() => _fixture.Handle(_noSip);
}
