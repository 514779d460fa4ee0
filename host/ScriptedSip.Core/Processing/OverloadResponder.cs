using Microsoft.Extensions.Logging;
using ScriptedSip.Core.Messages;
using ScriptedSip.Core.Parsing;
using ScriptedSip.Core.Stats;
using ScriptedSip.Core.Transport;

namespace ScriptedSip.Core.Processing;

/// <summary>
/// Refuses what the worker of a call has no room for (Sip:QueueLimit): a request other than ACK gets
/// 503 Service Unavailable with Retry-After (RFC 3261 §21.5.4), an ACK or a reply is dropped. Runs
/// on the receive thread of one listener (its scratch message is that thread's); logs at most one
/// line per second with the count since the last one.
/// </summary>
public sealed partial class OverloadResponder : IOverloadResponder
{
    private static readonly byte[] RetryAfter = "Retry-After: 5\r\n"u8.ToArray();
    private readonly StatelessReplier _replier;
    private readonly SipCounters _counters;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SipMessage _scratch = new();
    private readonly byte[] _output = new byte[OutputBuffer.Size];
    private long _lastLog;
    private long _refusedSinceLog;

    public OverloadResponder(StatelessReplier replier, SipCounters counters, TimeProvider time, ILogger logger)
    {
        _replier = replier;
        _counters = counters;
        _time = time;
        _logger = logger;
    }

    /// <summary>Requests answered 503 so far.</summary>
    public long Answered { get; private set; }

    /// <summary>ACKs, replies and unanswerable messages dropped so far.</summary>
    public long Dropped { get; private set; }

    public void Refuse(InboundDatagram datagram)
    {
        ArgumentNullException.ThrowIfNull(datagram);
        try
        {
            var parsed = _scratch.Parse(datagram.Data) == SipParseStatus.Ok;
            if (parsed)
            {
                // Refused before any route ran: Kamailio's drop_requests / drop_replies.
                _counters.Increment(_scratch.IsRequest ? SipCounter.DroppedRequests : SipCounter.DroppedReplies);
            }

            if (parsed && _scratch.IsRequest && _scratch.Method != SipMethod.Ack)
            {
                var length = _replier.Write(_scratch, datagram.Source, 503, "Service Unavailable", RetryAfter, _output);
                if (length > 0 && datagram.Transport.Send(_output.AsSpan(0, length), StatelessReplier.Destination(_scratch, datagram.Source, datagram.Transport)))
                {
                    Answered++;
                    _counters.ReplySent(503, sent: true);
                }
                else
                {
                    Dropped++;
                }
            }
            else
            {
                Dropped++;
            }
        }
        finally
        {
            datagram.Release();
        }

        _refusedSinceLog++;
        var now = _time.GetTimestamp();
        if (_lastLog == 0 || _time.GetElapsedTime(_lastLog, now) >= TimeSpan.FromSeconds(1))
        {
            LogOverloaded(_logger, _refusedSinceLog, Answered, Dropped);
            _lastLog = now;
            _refusedSinceLog = 0;
        }
    }

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Worker queue full (Sip:QueueLimit): {Count} message(s) refused since the last line; in all {Answered} answered 503, {Dropped} dropped")]
    private static partial void LogOverloaded(ILogger logger, long count, long answered, long dropped);
}
