using Microsoft.Extensions.Logging;

namespace ScriptedSip.Core.Scheduling;

/// <summary>
/// Warns about a route that runs longer than <c>Scripts:RouteBudgetMs</c> — a script stuck in a
/// loop or blocked must not take a worker away silently. Each worker has one <see cref="RouteClock"/>
/// that every turn (request, reply, failure, resumed, event route, await continuation) starts and
/// stops; one timer of the injected <see cref="TimeProvider"/> looks at the handful of clocks,
/// never at messages or transactions.
/// <para>
/// After <see cref="IdleChecksBeforeSlowing"/> checks that found every worker idle it stops looking
/// (an idle server is not woken at all); the next turn that starts brings the normal period back.
/// The turn publishes its start with a full fence and then reads the flag; the watchdog sets the flag
/// with a full fence and then looks at the clocks once more — so either the turn sees the flag and
/// wakes the watchdog, or the watchdog sees the turn and stays awake: a turn is never missed.
/// </para>
/// </summary>
public sealed partial class RouteWatchdog : IDisposable
{
    /// <summary>Checks in a row that found no turn running before the watchdog slows down.</summary>
    public const int IdleChecksBeforeSlowing = 4;

    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly TimeSpan _budget;
    private readonly TimeSpan _period;
    private readonly Stats.SipCounters? _counters;
    private readonly Lock _lock = new();
    private RouteClock[] _clocks = [];
    private IIdleFollower[] _followers = [];
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

    /// <summary>True while the watchdog sleeps until a turn starts.</summary>
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

    /// <summary>
    /// Lets <paramref name="follower"/> sleep while the watchdog sleeps (no turn has run for a while)
    /// and wakes it with the first turn: for samplers whose signals only change when messages arrive.
    /// </summary>
    public void Follow(IIdleFollower follower)
    {
        lock (_lock)
        {
            _followers = [.. _followers, follower];
        }
    }

    public void Unfollow(IIdleFollower follower)
    {
        lock (_lock)
        {
            _followers = [.. _followers.Where(f => f != follower)];
        }
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
                foreach (var follower in _followers)
                {
                    follower.Wake();
                }
            }
        }
    }

    public void Dispose() => Stop();

    /// <summary>Looks at every clock once (the timer calls this; tests with fake time may too).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // periodic: compiled optimised once, never recompiled while SIP runs
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
            TurnStartedWhileSlow(); // a turn the flag did not catch (it started as the watchdog went to sleep)
        }
        else if (_idleChecks >= IdleChecksBeforeSlowing && Interlocked.CompareExchange(ref _slow, 1, 0) == 0)
        {
            lock (_lock)
            {
                // The flag is set (a full fence): a turn that starts from now on wakes us. One that
                // started before it may not have seen the flag, so look once more before sleeping.
                if (Volatile.Read(ref _slow) == 1 && !AnyRunning())
                {
                    _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                    foreach (var follower in _followers)
                    {
                        follower.TrySleep();
                    }
                }
                else if (Interlocked.Exchange(ref _slow, 0) == 1)
                {
                    _idleChecks = 0;
                }
            }
        }
    }

    private bool AnyRunning()
    {
        foreach (var clock in Volatile.Read(ref _clocks))
        {
            if (clock.StartedAt != 0)
            {
                return true;
            }
        }

        return false;
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Route {Route} has been running for {ElapsedMs} ms on [{Tag}] (over Scripts:RouteBudgetMs): the worker is blocked")]
    private static partial void LogOverBudget(ILogger logger, string route, string tag, long elapsedMs);
}

/// <summary>A periodic sampler that sleeps while no route turn runs (see <see cref="RouteWatchdog.Follow"/>).</summary>
public interface IIdleFollower
{
    /// <summary>Stops the sampler's timer unless it must keep looking; false when it stays awake.</summary>
    bool TrySleep();

    /// <summary>A turn started: back to the sampler's pace (nothing when it did not sleep).</summary>
    void Wake();
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
    private readonly bool _systemTime; // the real clock: read directly, two calls fewer per read
    private readonly double _ticksPerSecond;
    private readonly Stats.SipCounters? _counters;
    private readonly Stats.RouteTimingRecorder? _timings;
    private readonly RouteWatchdog? _watchdog;
    private long _startedAt;
    private long _warnedFor;
    private ILogTagged? _subject;

    internal RouteClock(TimeProvider time, Stats.SipCounters? counters, RouteWatchdog? watchdog = null)
    {
        _time = time;
        _systemTime = ReferenceEquals(time, TimeProvider.System);
        _ticksPerSecond = time.TimestampFrequency; // the system provider's is Stopwatch.Frequency
        _counters = counters;
        _watchdog = watchdog;
        _timings = counters?.RouteTimings.NewRecorder();
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
        // A full fence between publishing the start and reading the watchdog's flag (see RouteWatchdog).
        Interlocked.Exchange(ref _startedAt, Math.Max(1, Now()));
        Arrived();
    }

    /// <summary>
    /// A message arrived (whether or not a route will run for it): wakes a sleeping watchdog and its
    /// followers. A plain read of the flag: a wake missed in the instant it goes to sleep is made by
    /// the next message.
    /// </summary>
    public void Arrived()
    {
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
            // The clock the watchdog reads anyway: one more timestamp per turn, no allocation; the
            // recorder is this clock's own (one writer: the thread running as its worker).
            var seconds = (Now() - started) / _ticksPerSecond;
            _timings!.Add(route, seconds);
            _counters.RouteRan(route, seconds);
        }

        Volatile.Write(ref _startedAt, 0);
        _subject = null; // an idle worker must not keep the last message (and its script version) alive
    }

    private long Now() => _systemTime ? System.Diagnostics.Stopwatch.GetTimestamp() : _time.GetTimestamp();

    internal bool TryMarkWarned(long started) => Interlocked.Exchange(ref _warnedFor, started) != started;
}
