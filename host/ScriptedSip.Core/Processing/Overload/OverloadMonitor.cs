using Microsoft.Extensions.Logging;
using ScriptedSip.Core.Stats;

namespace ScriptedSip.Core.Processing.Overload;

/// <summary>
/// Reads the load signals every <see cref="OverloadOptions.SampleIntervalMs"/> on a timer of its
/// own (never a SIP thread) and switches the <see cref="OverloadGate"/>: refusing starts when one
/// signal reaches its high-water mark and ends when every signal is below half of it (so the gate
/// does not flap at the edge). Signals: live transactions (<c>Overload:MaxTransactions</c>), the
/// kernel receive queue of each UDP listener (<c>Overload:RxQueuePercent</c> of its buffer) and
/// the received messages waiting at the busiest worker (<c>Overload:QueuePercent</c> of
/// <c>Sip:QueueLimit</c>). One log line when refusing starts, one when it ends.
/// <para>
/// After a second in which nothing arrived and nothing was live, it samples once a second instead
/// (an idle server should not wake ten times a second to find nothing); the first sample that
/// sees traffic again goes back to the configured interval. Load that starts from idle is thus
/// seen within a second, the same as with a sample every second. Followed by the route watchdog
/// (<see cref="Scheduling.RouteWatchdog.Follow"/>) it stops sampling while no turn runs — every
/// signal it reads changes only when messages arrive, and each arrival runs a turn, which wakes it —
/// except while it refuses: then it keeps sampling to see the load end.
/// </para>
/// </summary>
public sealed partial class OverloadMonitor : IDisposable, Scheduling.IIdleFollower
{
    private readonly OverloadOptions _options;
    private readonly OverloadGate _gate;
    private readonly Func<int> _transactions;
    private readonly Func<int> _deepestQueue;
    private readonly int _queueHighWater;
    private readonly KernelUdpQueues? _kernel;
    private readonly SipCounters _counters;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _sampling = new();
    private ITimer? _timer;
    private TimeSpan _interval;
    private bool _slow;
    private bool _asleep;
    private bool _lookSamples;     // the hand-off watch's looks take the samples; our timer is the fallback
    private Action? _chore;
    private bool _disposed;
    private long _lastSampleAt;    // Environment.TickCount64 of the last sample
    private int _idleSamples;
    private long _lastReceived;
    private long _since;
    private long _refusedAtStart;

    public OverloadMonitor(OverloadOptions options, OverloadGate gate, Func<int> transactions, Func<int> deepestQueue, int queueLimit, KernelUdpQueues? kernel, SipCounters counters, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(gate);
        _options = options;
        _gate = gate;
        _transactions = transactions;
        _deepestQueue = deepestQueue;
        _queueHighWater = Math.Max(1, (int)((long)queueLimit * options.QueuePercent / 100));
        _kernel = kernel is { Available: true } ? kernel : null;
        _counters = counters;
        _time = time;
        _logger = logger;
        gate.RetryAfterSeconds = options.RetryAfterSeconds;
    }

    /// <summary>The interval of an idle server's samples.</summary>
    public static readonly TimeSpan IdleInterval = TimeSpan.FromSeconds(1);

    /// <summary>Kernel drops over the UDP listeners at the last sample (datagrams lost to a full socket buffer).</summary>
    public long KernelDrops { get; private set; }

    /// <summary>Samples made so far (observable in tests).</summary>
    public long Samples { get; private set; }

    /// <summary>
    /// Starts sampling. With the real clock the samples are taken by the hand-off watch's looks at
    /// the receive loops (<see cref="Scheduling.HandoffWatch.AddChore"/>: the timer wheel's ticker
    /// after each tick, or the watch's own thread), which are awake about every 10 ms anyway while
    /// SIP traffic flows, where a timer of our own wakes two threads (the runtime's timer thread and
    /// a pool thread) ten times a second. Our own timer then fires once a second, to take over when
    /// those looks stop (an idle server's watch parks). With a fake clock (tests) only our timer samples.
    /// </summary>
    public void Start()
    {
        if (!_options.Enabled)
        {
            return;
        }

        _interval = TimeSpan.FromMilliseconds(_options.SampleIntervalMs);
        _lastReceived = _counters[SipCounter.Received];
        _timer = _time.CreateTimer(_ => SampleOnTimer(), null, _interval, _interval);
        if (ReferenceEquals(_time, TimeProvider.System))
        {
            _chore = SampleOnLook;
            Scheduling.HandoffWatch.AddChore(_chore);
        }
    }

    /// <summary>Samples taken with the hand-off watch's looks (observable in tests).</summary>
    public long SamplesOnLooks { get; private set; }

    /// <summary>Reads every signal once and switches the gate (the timer calls it; tests may too).</summary>
    public void Sample()
    {
        lock (_sampling)
        {
            SampleLocked();
        }
    }

    /// <summary>With a look of the hand-off watch (the ticker's or the watch's thread): a sample when one is due. Never waits for the lock.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // periodic: compiled optimised once, never recompiled while SIP runs
    private void SampleOnLook()
    {
        var pace = _slow ? IdleInterval : _interval;
        if (Environment.TickCount64 - Volatile.Read(ref _lastSampleAt) < (long)pace.TotalMilliseconds || !_sampling.TryEnter())
        {
            return;
        }

        try
        {
            if (_disposed || _asleep || _timer is null)
            {
                return;
            }

            if (!_lookSamples)
            {
                _lookSamples = true;
                _timer.Change(IdleInterval, IdleInterval); // the fallback's pace
            }

            SamplesOnLooks++;
            SampleLocked();
        }
        finally
        {
            _sampling.Exit();
        }
    }

    /// <summary>Our own timer: samples unless the looks have been sampling; takes over when they stopped.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // periodic: compiled optimised once, never recompiled while SIP runs
    private void SampleOnTimer()
    {
        lock (_sampling)
        {
            if (_disposed)
            {
                return; // a tick that fired as the monitor was disposed
            }

            if (_lookSamples)
            {
                var pace = _slow ? IdleInterval : _interval;
                if (Environment.TickCount64 - _lastSampleAt <= 3 * (long)pace.TotalMilliseconds)
                {
                    return; // the looks sample
                }

                _lookSamples = false;
                _timer?.Change(pace, pace);
            }

            SampleLocked();
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // periodic: compiled optimised once, never recompiled while SIP runs
    private void SampleLocked()
    {
        if (_asleep)
        {
            return; // a tick that fired as the monitor went to sleep
        }

        Volatile.Write(ref _lastSampleAt, Environment.TickCount64);
        var transactions = _transactions();
        var queue = _deepestQueue();
        var (rxPercent, socket, drops) = _kernel?.Read() ?? (0, 0, 0);
        KernelDrops = drops;
        Samples++;
        PaceSamples(transactions == 0 && queue == 0 && rxPercent == 0 && !_gate.Shedding);

        // Each signal as a fraction of its high-water mark; the largest decides.
        var txLevel = _options.MaxTransactions > 0 ? (double)transactions / _options.MaxTransactions : 0;
        var queueLevel = (double)queue / _queueHighWater;
        var rxLevel = (double)rxPercent / _options.RxQueuePercent;
        var level = Math.Max(txLevel, Math.Max(queueLevel, rxLevel));
        if (!_gate.Shedding && level >= 1)
        {
            var reason = txLevel >= 1 ? $"{transactions} live transactions (Overload:MaxTransactions {_options.MaxTransactions})"
                : queueLevel >= 1 ? $"{queue} received messages waiting at one worker ({_options.QueuePercent} % of Sip:QueueLimit is {_queueHighWater})"
                : $"the kernel receive queue of udp:{_kernel!.Locals[socket]} is {rxPercent} % full (Overload:RxQueuePercent {_options.RxQueuePercent}; kernel drops so far {drops})";
            _since = _time.GetTimestamp();
            _refusedAtStart = _counters[SipCounter.OverloadRefused];
            _gate.SetShedding(true);
            LogStarted(_logger, reason, _options.RetryAfterSeconds);
            _counters.Increment(SipCounter.OverloadEpisodes);
        }
        else if (_gate.Shedding && level < 0.5)
        {
            _gate.SetShedding(false);
            var refused = _counters[SipCounter.OverloadRefused] - _refusedAtStart;
            LogEnded(_logger, (long)_time.GetElapsedTime(_since).TotalMilliseconds, refused);
        }
    }

    public void Dispose()
    {
        if (_chore is not null)
        {
            Scheduling.HandoffWatch.RemoveChore(_chore);
        }

        // Under the lock: a look that took the chore just before its removal may be about to sample;
        // it sees the flag and takes no sample of a monitor that is gone.
        lock (_sampling)
        {
            _disposed = true;
            _timer?.Dispose();
        }
    }

    /// <summary>True while sampling waits for the next turn.</summary>
    public bool Asleep
    {
        get
        {
            lock (_sampling)
            {
                return _asleep;
            }
        }
    }

    public bool TrySleep()
    {
        lock (_sampling)
        {
            if (_timer is null || _disposed || _gate.Shedding)
            {
                return false;
            }

            _asleep = true;
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return true;
        }
    }

    public void Wake()
    {
        lock (_sampling)
        {
            if (!_asleep || _disposed)
            {
                return;
            }

            _asleep = false;
            _slow = false;
            _idleSamples = 0;
            _lookSamples = false;
            _timer!.Change(_interval, _interval);
        }
    }

    /// <summary>Once a second after <see cref="IdleInterval"/> of quiet; back to the configured interval at the first sign of traffic.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // periodic: compiled optimised once, never recompiled while SIP runs
    private void PaceSamples(bool nothingLive)
    {
        var received = _counters[SipCounter.Received];
        var quiet = nothingLive && received == _lastReceived;
        _lastReceived = received;
        _idleSamples = quiet ? _idleSamples + 1 : 0;
        if (_timer is null || _interval >= IdleInterval)
        {
            return;
        }

        // While the looks sample, our timer stays at the fallback's pace; they read _slow.
        if (!_slow && _idleSamples * _interval.TotalMilliseconds >= IdleInterval.TotalMilliseconds)
        {
            _slow = true;
            if (!_lookSamples)
            {
                _timer.Change(IdleInterval, IdleInterval);
            }
        }
        else if (_slow && !quiet)
        {
            _slow = false;
            if (!_lookSamples)
            {
                _timer.Change(_interval, _interval);
            }
        }
    }

    [LoggerMessage(EventId = 1301, Level = LogLevel.Warning, Message = "Overload: {Reason}; new INVITEs are answered 503 with Retry-After {Seconds} until every signal is below half its limit")]
    private static partial void LogStarted(ILogger logger, string reason, int seconds);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Information, Message = "Overload over after {Milliseconds} ms; {Refused} new INVITEs were answered 503")]
    private static partial void LogEnded(ILogger logger, long milliseconds, long refused);
}
