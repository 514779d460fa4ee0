using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using ScriptedSip.Core.Messages;
using ScriptedSip.Core.Processing;
using ScriptedSip.Core.Stats;
using ScriptedSip.Core.Transport;

namespace ScriptedSip.Core.Tests.Processing;

/// <summary>
/// With <c>Sip:ReceiveThreads</c> above one, several receive threads refuse at the same time: each
/// refusal must be parsed and answered on its own thread's scratch message (a shared one crashed the
/// server at 120,000 OPTIONS/s, or could answer one request with another's headers).
/// </summary>
public sealed class OverloadResponderTests
{
    private const int Threads = 4;
    private const int PerThread = 3000;

    [Test]
    public void RefusingOnSeveralThreadsAtOnce_AnswersEveryRequestWithItsOwnHeaders()
    {
        var counters = new SipCounters();
        var transport = new RecordingTransport();
        var responder = new OverloadResponder(new StatelessReplier(1234, counters), counters, TimeProvider.System, NullLogger.Instance);
        using var start = new Barrier(Threads);
        var failures = new ConcurrentQueue<Exception>();
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            try
            {
                var port = 40000 + t;
                var source = new IPEndPoint(IPAddress.Loopback, port).Serialize();
                start.SignalAndWait(); // every thread refuses at once
                for (var i = 0; i < PerThread; i++)
                {
                    responder.Refuse(InboundDatagram.Rent(transport, Encoding.ASCII.GetBytes(Options(port, $"t{t}-{i}")), source));
                }
            }
            catch (Exception ex)
            {
                failures.Enqueue(ex);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.That(failures, Is.Empty);
        Assert.That(responder.Answered, Is.EqualTo(Threads * PerThread));
        Assert.That(responder.Dropped, Is.Zero);
        var mismatched = transport.Sent.Where(s => !s.Reply.StartsWith("SIP/2.0 503 ", StringComparison.Ordinal)
            || CallId(s.Reply) is not { } callId
            || !callId.StartsWith($"t{s.Port - 40000}-", StringComparison.Ordinal)).ToList();
        Assert.That(transport.Sent, Has.Count.EqualTo(Threads * PerThread));
        Assert.That(mismatched, Is.Empty, "every 503 carries the Call-ID of the request sent from its destination");
        Assert.That(transport.Sent.Select(s => CallId(s.Reply)).Distinct().Count(), Is.EqualTo(Threads * PerThread), "one answer per request");
    }

    private static string Options(int port, string callId) =>
        $"OPTIONS sip:x@127.0.0.1 SIP/2.0\r\n" +
        $"Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK-{callId}\r\n" +
        "Max-Forwards: 70\r\n" +
        $"From: <sip:a@127.0.0.1>;tag={callId}\r\n" +
        "To: <sip:x@127.0.0.1>\r\n" +
        $"Call-ID: {callId}\r\n" +
        "CSeq: 1 OPTIONS\r\n" +
        "Content-Length: 0\r\n\r\n";

    private static string? CallId(string message) =>
        message.Split("\r\n").FirstOrDefault(l => l.StartsWith("Call-ID: ", StringComparison.Ordinal))?["Call-ID: ".Length..];

    private sealed class RecordingTransport : ISipTransport
    {
        public ConcurrentBag<(string Reply, int Port)> Sent { get; } = [];

        public SipProtocol Protocol => SipProtocol.Udp;

        public bool IsReliable => false;

        public ListenEndpoint Local { get; } = new(new IPEndPoint(IPAddress.Loopback, 5060));

        public bool Send(ReadOnlySpan<byte> message, SocketAddress destination)
        {
            var endPoint = (IPEndPoint)new IPEndPoint(IPAddress.Any, 0).Create(destination);
            Sent.Add((Encoding.ASCII.GetString(message), endPoint.Port));
            return true;
        }
    }
}
