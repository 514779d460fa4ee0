using Microsoft.Extensions.Logging;
using ScriptedSip.Core.Messages;
using ScriptedSip.Core.Parsing;
using ScriptedSip.Core.Stats;
using ScriptedSip.Core.Transport;

namespace ScriptedSip.Core.Processing;

/// <summary>
/// Refuses what the worker of a call has no room for (Sip:QueueLimit): a request other than ACK gets
/// 503 Service Unavailable with Retry-After (RFC 3261 §21.5.4), an ACK or a reply is dropped. Runs
/// on the receive threads of one listener (<c>Sip:ReceiveThreads</c>; the scratch message and
/// output buffer are per thread); logs at most one line per second with the count since the last one.
/// </summary>
public sealed partial class OverloadResponder : IOverloadResponder
{
    private static readonly byte[] RetryAfter = "Retry-After: 5\r\n"u8.ToArray();
    private readonly StatelessReplier _replier;
    private readonly SipCounters _counters;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    [ThreadStatic]
    private static SipMessage? t_scratch;

    [ThreadStatic]
    private static byte[]? t_output;

    private long _lastLog;
    private long _refusedSinceLog;
    private long _answered;
    private long _dropped;

    public OverloadResponder(StatelessReplier replier, SipCounters counters, TimeProvider time, ILogger logger)
    {
        _replier = replier;
        _counters = counters;
        _time = time;
        _logger = logger;
    }

    /// <summary>Requests answered 503 so far.</summary>
    public long Answered => Interlocked.Read(ref _answered);

    /// <summary>ACKs, replies and unanswerable messages dropped so far.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Refuse(InboundDatagram datagram)
    {
        ArgumentNullException.ThrowIfNull(datagram);
        var scratch = t_scratch ??= new SipMessage();
        var output = t_output ??= new byte[OutputBuffer.Size];
        try
        {
            var parsed = scratch.Parse(datagram.Data) == SipParseStatus.Ok;
            if (parsed)
            {
                // Refused before any route ran: Kamailio's drop_requests / drop_replies.
                _counters.Increment(scratch.IsRequest ? SipCounter.DroppedRequests : SipCounter.DroppedReplies);
            }

            if (parsed && scratch.IsRequest && scratch.Method != SipMethod.Ack)
            {
                var length = _replier.Write(scratch, datagram.Source, 503, "Service Unavailable", RetryAfter, output);
                if (length > 0 && datagram.Transport.Send(output.AsSpan(0, length), StatelessReplier.Destination(scratch, datagram.Source, datagram.Transport)))
                {
                    Interlocked.Increment(ref _answered);
                    _counters.ReplySent(503, sent: true);
                }
                else
                {
                    Interlocked.Increment(ref _dropped);
                }
            }
            else
            {
                Interlocked.Increment(ref _dropped);
            }
        }
        finally
        {
            datagram.Release();
        }

        Interlocked.Increment(ref _refusedSinceLog);
        var now = _time.GetTimestamp();
        var last = Interlocked.Read(ref _lastLog);
        // One thread wins the second's line; the others' refusals are in its count or the next one's.
        if ((last == 0 || _time.GetElapsedTime(last, now) >= TimeSpan.FromSeconds(1))
            && Interlocked.CompareExchange(ref _lastLog, now, last) == last)
        {
            LogOverloaded(_logger, Interlocked.Exchange(ref _refusedSinceLog, 0), Answered, Dropped);
        }
    }

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Worker queue full (Sip:QueueLimit): {Count} message(s) refused since the last line; in all {Answered} answered 503, {Dropped} dropped")]
    private static partial void LogOverloaded(ILogger logger, long count, long answered, long dropped);
}
