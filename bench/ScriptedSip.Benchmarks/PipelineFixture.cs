using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using ScriptedSip.Core.NoSip;
using ScriptedSip.Core.Plugins;
using ScriptedSip.Core.Processing;
using ScriptedSip.Core.Stats;
using ScriptedSip.Core.Transactions;
using ScriptedSip.Core.Transport;
using ScriptedSip.Scripting;

namespace ScriptedSip.Benchmarks;

/// <summary>
/// The real message path (parser, route scripts compiled by Roslyn, transaction layer) on a real
/// loopback socket that is not receiving: benchmarks hand datagrams to the processor directly, so
/// they measure processing and the reply's sendto, not the receive.
/// </summary>
internal sealed class PipelineFixture : IDisposable
{
    private readonly string _scripts = Path.Combine(Path.GetTempPath(), "scriptedsip-bench-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly UdpListener _listener;
    private readonly System.Net.Sockets.Socket _sink;

    public PipelineFixture(IReadOnlyDictionary<string, string> scripts)
    {
        Directory.CreateDirectory(_scripts);
        foreach (var (name, code) in scripts)
        {
            File.WriteAllText(Path.Combine(_scripts, name), code);
        }

        var runtime = new ScriptRuntime(new RouteSetLoader(new CompiledScriptCache(null)), ScriptReferenceSet.CreateDefault(), _scripts, NullLogger<ScriptRuntime>.Instance);
        var load = runtime.Load();
        if (!load.Success)
        {
            throw new InvalidOperationException(string.Join(Environment.NewLine, load.Errors));
        }

        Counters = new SipCounters();
        var options = new ProcessingOptions { RouteBudgetMs = 60_000 };
        Services = new ProcessingServices(
            runtime,
            Counters,
            new NoSipFilter(new NoSipOptions()),
            options,
            new SipTransportOptions { Workers = 1 },
            new SharedVariables(),
            new TransactionOptions { WaitMs = 0 },
            TimeProvider.System,
            new PluginExports(),
            NullLoggerFactory.Instance);
        // The scheduler is not started: benchmarks run each message on the calling thread.
        var transport = new SipTransportOptions { Workers = 1 };
        _listener = new UdpListener(new ListenEndpoint(new IPEndPoint(IPAddress.Loopback, 0)), transport, 32, Services.Scheduler, new OverloadResponder(Services.Messages.Replier, Counters, TimeProvider.System, NullLogger.Instance), Counters, NullLogger.Instance);
        Services.Transports.Add(_listener);
        Processor = new MessageProcessor(Services);

        // Replies go to a socket nobody reads: the kernel drops them once its buffer is full.
        _sink = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        _sink.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Source = ((IPEndPoint)_sink.LocalEndPoint!).Serialize();
        SinkPort = ((IPEndPoint)_sink.LocalEndPoint!).Port;
    }

    public ProcessingServices Services { get; }

    public SipCounters Counters { get; }

    public MessageProcessor Processor { get; }

    public SocketAddress Source { get; }

    public int SinkPort { get; }

    public void Handle(byte[] datagram) => Processor.Handle(InboundDatagram.Rent(_listener, datagram, Source));

    public static byte[] Request(string method, int port, string callId, string branch) => Encoding.ASCII.GetBytes(
        $"{method} sip:bob@127.0.0.1:{port} SIP/2.0\r\n" +
        $"Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{branch};rport\r\n" +
        "Max-Forwards: 70\r\n" +
        "To: <sip:bob@127.0.0.1>\r\n" +
        "From: <sip:alice@127.0.0.1>;tag=1928301774\r\n" +
        $"Call-ID: {callId}\r\n" +
        $"CSeq: 1 {method}\r\n" +
        "Content-Length: 0\r\n\r\n");

    public void Dispose()
    {
        _listener.Dispose();
        _sink.Dispose();
        Services.Dispose();
        Directory.Delete(_scripts, recursive: true);
    }
}
