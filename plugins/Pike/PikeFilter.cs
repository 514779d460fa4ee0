using System.Net;
using Microsoft.Extensions.Logging;
using ScriptedSip.Sdk.Plugins;

namespace ScriptedSip.Plugins.Pike;

/// <summary>
/// The request filter: counts every request by source address and refuses those of a blocked
/// address before any route runs (dropped, or 503 with Retry-After). A block is logged once and
/// raises the event route once; the requests refused during it are only counted.
/// </summary>
internal sealed partial class PikeFilter : IRequestFilter
{
    private const string Reason = "Service Unavailable";
    private readonly SourceTable _table;
    private readonly PikeOptions _options;
    private readonly TimeProvider _time;
    private readonly ISipHost _host;
    private readonly ILogger _logger;
    private long _refused;
    private long _blocks;

    public PikeFilter(PikeOptions options, TimeProvider time, ISipHost host, ILogger logger)
    {
        _options = options;
        _time = time;
        _host = host;
        _logger = logger;
        var frequency = time.TimestampFrequency;
        _table = new SourceTable(options.TableSize, options.WindowMs * frequency / 1000, options.MaxRequests, options.BlockSeconds * frequency);
    }

    public SourceTable Table => _table;

    /// <summary>Requests refused because their address was blocked.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Blocks imposed so far.</summary>
    public long Blocks => Interlocked.Read(ref _blocks);

    public RequestFilterResult Check(ReadOnlySpan<byte> sourceAddress, int sourcePort, ReadOnlySpan<byte> method)
    {
        var verdict = _table.Hit(sourceAddress, _time.GetTimestamp());
        if (!verdict.Blocked)
        {
            return RequestFilterResult.Pass;
        }

        Interlocked.Increment(ref _refused);
        if (verdict.NewlyBlocked)
        {
            OnBlocked(new IPAddress(sourceAddress), verdict.Count);
        }

        if (!_options.Reply)
        {
            return RequestFilterResult.Drop;
        }

        var seconds = (int)Math.Ceiling((double)verdict.RemainingTicks / _time.TimestampFrequency);
        return RequestFilterResult.Reply(503, Reason, Math.Max(1, seconds));
    }

    private void OnBlocked(IPAddress address, long count)
    {
        Interlocked.Increment(ref _blocks);
        var text = address.ToString();
        LogBlocked(_logger, text, _options.BlockSeconds, count, _options.WindowMs, _options.MaxRequests);
        if (_options.EventRoute.Length > 0)
        {
            _host.RaiseEvent(_options.EventRoute, text);
        }
    }

    [LoggerMessage(EventId = 7301, Level = LogLevel.Warning, Message = "Pike: {Address} blocked for {Seconds} s: {Count} requests within {WindowMs} ms (MaxRequests {Max})")]
    private static partial void LogBlocked(ILogger logger, string address, int seconds, long count, int windowMs, int max);
}
