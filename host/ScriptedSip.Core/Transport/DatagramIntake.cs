using Microsoft.Extensions.Logging;
using ScriptedSip.Core.Scheduling;
using ScriptedSip.Core.Stats;

namespace ScriptedSip.Core.Transport;

/// <summary>
/// What happens to a datagram between the socket and the worker of its call: counted, the size
/// gate (<c>Sip:MaxMessageSize</c>, <c>NoSip:MinPacketSize</c>), then run inline when that worker
/// is idle, queued otherwise, refused when the worker is <c>Sip:QueueLimit</c> behind. One instance
/// per listener; the UDP listener and the route test kit's in-memory transport both deliver through it.
/// </summary>
public sealed partial class DatagramIntake
{
    private readonly int _maxMessageSize;
    private readonly int _minPacketSize;
    private readonly SipScheduler _scheduler;
    private readonly IOverloadResponder _overload;
    private readonly SipCounters _counters;
    private readonly ILogger _logger;

    public DatagramIntake(SipTransportOptions options, int minPacketSize, SipScheduler scheduler, IOverloadResponder overload, SipCounters counters, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(overload);
        _maxMessageSize = options.MaxMessageSize;
        _minPacketSize = minPacketSize;
        _scheduler = scheduler;
        _overload = overload;
        _counters = counters;
        _logger = logger;
    }

    /// <summary>
    /// Takes one received datagram (<paramref name="data"/> may be one byte longer than the limit,
    /// so an oversized one is seen as such).
    /// <paramref name="guard"/> marks the inline turn while it runs (the listener's watch for blocking
    /// routes reads it); null where nothing watches (the route test kit).
    /// </summary>
    public void Deliver(ISipTransport transport, ReadOnlySpan<byte> data, System.Net.SocketAddress source, IInlineGuard? guard)
    {
        _counters.Increment(SipCounter.Received);
        if (data.Length > _maxMessageSize)
        {
            // Logged before counted: whoever watches the counter finds the line already written.
            var from = SocketAddressText.Describe(source);
            using (SipLogScope.Enter(new LogSubject(null, null, from)))
            {
                LogOversized(_logger, from, _maxMessageSize);
            }

            _counters.Increment(SipCounter.Oversized);
            return;
        }

        if (data.Length < _minPacketSize)
        {
            _counters.Increment(SipCounter.TooSmall);
            return;
        }

        var datagram = InboundDatagram.Rent(transport, data, source);
        var worker = _scheduler.WorkerOf(datagram);

        // The call's worker is idle: run the turn here and save two thread switches.
        guard?.BeginTurn();
        var done = _scheduler.TryRunInline(worker, datagram);
        guard?.EndTurn();
        if (!done && !_scheduler.TryDispatch(worker, datagram))
        {
            _overload.Refuse(datagram);
            _counters.Increment(SipCounter.QueueFull);
        }
    }

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "Dropped a datagram from {Source}: larger than Sip:MaxMessageSize ({Limit} bytes)")]
    private static partial void LogOversized(ILogger logger, string source, int limit);
}
