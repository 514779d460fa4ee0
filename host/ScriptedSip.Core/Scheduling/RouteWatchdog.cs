using Microsoft.Extensions.Logging;

namespace ScriptedSip.Core.Scheduling;

/// <summary>
/// Warns about a route that runs longer than <c>Scripts:RouteBudgetMs</c> — a script stuck in a
/// loop or blocked must not take a worker away silently. Each worker has one <see cref="RouteClock"/>
/// that every turn (request, reply, failure, resumed, event route, await continuation) starts and
/// stops; one timer of the injected <see cref="TimeProvider"/> looks at the handful of clocks,
/// never at messages or transactions.
/// <para>
/// After <see cref="IdleChecksBeforeSlowing"/> checks that found every worker idle it looks only every
/// <see cref="IdlePeriod"/>, so an idle server is not woken twice a second; the next turn that starts
/// brings the normal period back (a plain read of a flag per turn, no fence). A turn that starts in
/// the instant the watchdog slows down is seen at the next idle-period check, which restores the pace:
/// it may be reported up to <see cref="IdlePeriod"/> late, never missed.
/// </para>
/// </summary>
public sealed partial class RouteWatchdog : IDisposable
{
    /// <summary>Checks in a row that found no turn running before the watchdog slows down.</summary>
    public const int IdleChecksBeforeSlowing = 4;

    /// <summary>The period of an idle server's checks.</summary>
    public static readonly TimeSpan IdlePeriod = TimeSpan.FromSeconds(5);

    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly TimeSpan _budget;
    private readonly TimeSpan _period;
    private readonly Stats.SipCounters? _counters;
    private readonly Lock _lock = new();
    private RouteClock[] _clocks = [];
    private ITimer? _timer;
    private long _reported;
    private long _checks;
    private int _idleChecks;
    private int _slow;

    /// <param name="counters">Where each turn's run time is recorded (the route histogram); null records nothing.</param>
    public RouteWatchdog(int routeBudgetMs, TimeProvider time, ILogger logger, Stats.SipCounters? counters = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _counters = counters;
        _logger = logger;
        _budget = TimeSpan.FromMilliseconds(routeBudgetMs);
        _period = TimeSpan.FromMilliseconds(Math.Max(10, routeBudgetMs / 2));
    }

    /// <summary>Turns reported as over budget so far.</summary>
    public long Reported => Interlocked.Read(ref _reported);

    /// <summary>Checks made so far (observable in tests).</summary>
    public long Checks => Interlocked.Read(ref _checks);

    /// <summary>True while the watchdog looks only every <see cref="IdlePeriod"/>.</summary>
    public bool Slow => Volatile.Read(ref _slow) == 1;

    public RouteClock Register()
    {
        var clock = new RouteClock(_time, _counters, this);
        lock (_lock)
        {
            _clocks = [.. _clocks, clock];
        }

        return clock;
    }

    public void Start()
    {
        lock (_lock)
        {
            _timer ??= _time.CreateTimer(_ => Check(), null, _period, _period);
        }
    }

    public void Stop()
    {
        lock (_lock)
        {
            _timer?.Dispose();
            _timer = null;
        }
    }

    /// <summary>A turn started while the watchdog was slow: back to the normal period (the first of such turns does it).</summary>
    internal void TurnStartedWhileSlow()
    {
        if (Interlocked.Exchange(ref _slow, 0) == 1)
        {
            _idleChecks = 0;
            lock (_lock)
            {
                _timer?.Change(_period, _period);
            }
        }
    }

    public void Dispose() => Stop();

    /// <summary>Looks at every clock once (the timer calls this; tests with fake time may too).</summary>
    public void Check()
    {
        Interlocked.Increment(ref _checks);
        var running = false;
        foreach (var clock in Volatile.Read(ref _clocks))
        {
            var started = clock.StartedAt;
            if (started == 0)
            {
                continue;
            }

            running = true;
            var elapsed = _time.GetElapsedTime(started);
            if (elapsed > _budget && clock.TryMarkWarned(started))
            {
                Interlocked.Increment(ref _reported);
                LogOverBudget(_logger, clock.Route ?? "?", clock.Tag ?? "-", (long)elapsed.TotalMilliseconds);
            }
        }

        _idleChecks = running ? 0 : _idleChecks + 1;
        if (running)
        {
            TurnStartedWhileSlow(); // a turn the flag did not catch (it started as the watchdog slowed down)
        }
        else if (_idleChecks >= IdleChecksBeforeSlowing && _period < IdlePeriod && Interlocked.CompareExchange(ref _slow, 1, 0) == 0)
        {
            lock (_lock)
            {
                // A turn may have started and restored the pace since the flag was set: then leave it.
                if (Volatile.Read(ref _slow) == 1)
                {
                    _timer?.Change(IdlePeriod, IdlePeriod);
                }
            }
        }
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Route {Route} has been running for {ElapsedMs} ms on [{Tag}] (over Scripts:RouteBudgetMs): the worker is blocked")]
    private static partial void LogOverBudget(ILogger logger, string route, string tag, long elapsedMs);
}

/// <summary>Something a log line can name: the Call-ID of a message, the source of a packet.</summary>
public interface ILogTagged
{
    string LogTag { get; }
}

/// <summary>
/// What a log line written during a route turn says about the message being processed. Read only
/// when a line is actually written (by the host's log layout, on the worker's thread), so a turn
/// that logs nothing pays nothing.
/// </summary>
public interface ISipLogContext : ILogTagged
{
    /// <summary>The Call-ID, or null for a non-SIP packet.</summary>
    string? LogCallId { get; }

    /// <summary>The request's method, or the reply's status code as text; null for a non-SIP packet.</summary>
    string? LogMethodOrStatus { get; }

    /// <summary>Where the message came from, <c>IP:port</c>.</summary>
    string LogSource { get; }
}

/// <summary>When the current turn of one worker started; 0 when idle.</summary>
public sealed class RouteClock
{
    private readonly TimeProvider _time;
    private readonly Stats.SipCounters? _counters;
    private readonly RouteWatchdog? _watchdog;
    private long _startedAt;
    private long _warnedFor;
    private ILogTagged? _subject;

    internal RouteClock(TimeProvider time, Stats.SipCounters? counters, RouteWatchdog? watchdog = null)
    {
        _time = time;
        _counters = counters;
        _watchdog = watchdog;
    }

    public long StartedAt => Volatile.Read(ref _startedAt);

    public string? Route { get; private set; }

    public string? Tag => _subject?.LogTag;

    /// <summary>The message of the turn running now (null when idle): what log lines of this turn describe.</summary>
    public ILogTagged? Subject => _subject;

    public void Begin(string route, ILogTagged? subject)
    {
        Route = route;
        _subject = subject;
        Volatile.Write(ref _startedAt, Math.Max(1, _time.GetTimestamp()));
        if (_watchdog is { Slow: true } watchdog)
        {
            watchdog.TurnStartedWhileSlow();
        }
    }

    public void End()
    {
        var started = Volatile.Read(ref _startedAt);
        if (_counters is not null && started != 0 && Route is { } route)
        {
            // The clock the watchdog reads anyway: one more timestamp per turn, no allocation.
            _counters.RouteRan(route, _time.GetElapsedTime(started).TotalSeconds);
        }

        Volatile.Write(ref _startedAt, 0);
        _subject = null; // an idle worker must not keep the last message (and its script version) alive
    }

    internal bool TryMarkWarned(long started) => Interlocked.Exchange(ref _warnedFor, started) != started;
}
