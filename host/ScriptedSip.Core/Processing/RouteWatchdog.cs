using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace ScriptedSip.Core.Processing;

/// <summary>
/// Warns about a route that runs longer than <c>Scripts:RouteBudgetMs</c> — a script stuck in a
/// loop must not take a worker away silently. Each worker has one <see cref="RouteClock"/>; one
/// timer looks at the handful of clocks (never at messages or transactions).
/// </summary>
public sealed partial class RouteWatchdog : IDisposable
{
    private readonly ILogger _logger;
    private readonly long _budgetTicks;
    private readonly TimeSpan _period;
    private readonly Lock _lock = new();
    private RouteClock[] _clocks = [];
    private Timer? _timer;

    public RouteWatchdog(ProcessingOptions options, ILogger<RouteWatchdog> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _logger = logger;
        _budgetTicks = options.RouteBudgetMs * Stopwatch.Frequency / 1000;
        _period = TimeSpan.FromMilliseconds(Math.Max(10, options.RouteBudgetMs / 2));
    }

    public RouteClock Register()
    {
        var clock = new RouteClock();
        lock (_lock)
        {
            _clocks = [.. _clocks, clock];
        }

        return clock;
    }

    public void Start() => _timer ??= new Timer(_ => Check(), null, _period, _period);

    public void Stop()
    {
        _timer?.Dispose();
        _timer = null;
    }

    public void Dispose() => Stop();

    private void Check()
    {
        var now = Stopwatch.GetTimestamp();
        foreach (var clock in Volatile.Read(ref _clocks))
        {
            var started = clock.StartedAt;
            if (started != 0 && now - started > _budgetTicks && clock.TryMarkWarned(started))
            {
                LogOverBudget(_logger, clock.Route ?? "?", clock.Tag ?? "?", (now - started) * 1000 / Stopwatch.Frequency);
            }
        }
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Route {Route} has been running for {ElapsedMs} ms on [{Tag}] (over Scripts:RouteBudgetMs): the worker is blocked")]
    private static partial void LogOverBudget(ILogger logger, string route, string tag, long elapsedMs);
}

/// <summary>When the current route of one worker started; 0 when idle.</summary>
public sealed class RouteClock
{
    private long _startedAt;
    private long _warnedFor;
    private MessageContext? _subject;

    public long StartedAt => Volatile.Read(ref _startedAt);

    public string? Route { get; private set; }

    public string? Tag => _subject?.LogTag;

    public void Begin(string route, MessageContext subject)
    {
        Route = route;
        _subject = subject;
        Volatile.Write(ref _startedAt, Stopwatch.GetTimestamp());
    }

    public void End()
    {
        Volatile.Write(ref _startedAt, 0);
        _subject = null; // an idle worker must not keep the last message (and its script version) alive
    }

    internal bool TryMarkWarned(long started) => Interlocked.Exchange(ref _warnedFor, started) != started;
}
