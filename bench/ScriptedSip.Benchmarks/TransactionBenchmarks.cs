using BenchmarkDotNet.Attributes;

namespace ScriptedSip.Benchmarks;

/// <summary>Transaction layer costs: create + suspend + continue + reply, and a retransmission lookup.</summary>
[MemoryDiagnoser]
public class TransactionBenchmarks
{
    private PipelineFixture _fixture = null!;
    private byte[] _retransmission = [];
    private int _call;

    [GlobalSetup]
    public void Setup()
    {
        _fixture = new PipelineFixture(new Dictionary<string, string>
        {
            ["request_route.csx"] = "if (Hdr(\"X-Hold\") != null) { TSuspend(); return; }\nTSuspend();\nTContinue(TIndex, TLabel, \"R\");",
            ["R.csx"] = "TReply(404, \"Not Found\");",
        });

        // One transaction that stays (suspended) for the retransmission lookups.
        _retransmission = PipelineFixture.Request("MESSAGE", _fixture.SinkPort, "bench-held@test", "held1");
        var held = System.Text.Encoding.ASCII.GetString(_retransmission).Replace("Content-Length: 0", "X-Hold: 1\r\nContent-Length: 0", StringComparison.Ordinal);
        _retransmission = System.Text.Encoding.ASCII.GetBytes(held);
        _fixture.Handle(_retransmission);
    }

    [GlobalCleanup]
    public void Cleanup() => _fixture.Dispose();

    /// <summary>New MESSAGE: transaction created, suspended, resumed in route R, answered 404 (then kept for the wait time, 0 here).</summary>
    [Benchmark]
    public void SuspendContinueReply()
    {
        var call = Interlocked.Increment(ref _call);
        _fixture.Handle(PipelineFixture.Request("MESSAGE", _fixture.SinkPort, "bench-" + call, "b" + call));
    }

    /// <summary>A retransmission of a request whose transaction exists: found and absorbed before any script.</summary>
    [Benchmark]
    public void RetransmissionAbsorbed() => _fixture.Handle(_retransmission);
}
