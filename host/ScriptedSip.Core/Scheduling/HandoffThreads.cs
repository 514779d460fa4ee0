namespace ScriptedSip.Core.Scheduling;

/// <summary>
/// Keeps one thread doing a loop's job (receiving on a listener's socket, ticking the timer wheel)
/// even when that thread runs a route itself (inline, when the call's worker is idle) and the route
/// blocks. A look comes about every <see cref="Budget"/> (the timer wheel's ticker after each tick, or
/// the watch's own thread): a thread whose inline turn has run longer than that is replaced — a new thread takes over the loop, and the old one ends once its turn returns.
/// At most one thread runs the loop at a time, and at most one blocked thread per worker exists (an
/// inline turn holds its worker), so a blocking route costs one worker, never the listener or the
/// timers. The watch is shared by every loop of the process (<see cref="HandoffWatch"/>).
/// </summary>
internal sealed class HandoffThreads : IDisposable
{
    private readonly Action<Receiver> _loop;
    private readonly string _name;
    private volatile Receiver? _current;
    private volatile bool _stopping;
    private int _handoffs;
    private long _lastTurns = -1;

    /// <param name="loop">The job; it returns once <see cref="IsCurrent"/> is false for its receiver.</param>
    /// <param name="name">Thread name of the loop's threads.</param>
    /// <param name="isTicker">The timer wheel's ticker: it looks at the other loops after each tick (<see cref="HandoffWatch.LookFromTicker"/>).</param>
    public HandoffThreads(Action<Receiver> loop, string name, bool isTicker = false)
    {
        _loop = loop;
        _name = name;
        IsTicker = isTicker;
    }

    /// <summary>The timer wheel's ticker (looked at by the watch's own thread, never by a ticker).</summary>
    public bool IsTicker { get; }

    /// <summary>How long an inline turn may run before the loop moves to another thread.</summary>
    public static TimeSpan Budget { get; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Times the loop moved to a new thread because an inline turn overran <see cref="Budget"/>.</summary>
    public int Handoffs => Volatile.Read(ref _handoffs);

    /// <summary>Times the process's watch parked because every loop was idle (observable in tests).</summary>
    public static int Parks => HandoffWatch.Parks;

    /// <summary>An inline turn is running on the loop's current thread.</summary>
    public bool InTurn => _current is { } current && Volatile.Read(ref current.InlineSince) != 0;

    public bool IsCurrent(Receiver receiver) => ReferenceEquals(_current, receiver);

    public void Start()
    {
        StartReceiver();
        HandoffWatch.Add(this);
    }

    /// <summary>
    /// A receiver starts an inline turn. The full fence (the exchange) pairs with the one in the
    /// watch: either the watch sees this turn before it parks, or this call sees the watch parked and
    /// wakes it. One uncontended interlocked write per datagram, no wake-up while the watch is awake.
    /// </summary>
    public static void BeginInline(Receiver receiver)
    {
        // The coarse clock (Environment.TickCount64: milliseconds, a few ms granular, a few ns to
        // read) is enough against a 10 ms budget; the precise one costs about 28 ns a read on a
        // virtual machine's clock, once per datagram.
        Interlocked.Exchange(ref receiver.InlineSince, Math.Max(1, Environment.TickCount64));
        receiver.Turns++;
        HandoffWatch.TurnStarted();
    }

    public static void EndInline(Receiver receiver) => Volatile.Write(ref receiver.InlineSince, 0);

    /// <summary>Nothing to release since the watch is shared; kept for the owners' disposal order.</summary>
    public void Dispose()
    {
    }

    public void Stop(TimeSpan timeout)
    {
        _stopping = true;
        HandoffWatch.Remove(this);
        var current = _current;
        if (current?.Thread.IsAlive == true)
        {
            current.Thread.Join(timeout);
        }
    }

    /// <summary>
    /// The watch's look (on its thread): a turn running longer than <see cref="Budget"/> moves the
    /// loop to a new thread. True when a turn ran since the last look or runs now;
    /// <paramref name="untilOverrun"/> is how long the turn running now has left of its budget
    /// (<see cref="Budget"/> when none runs), so the watch looks again right when it would overrun.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // periodic: compiled optimised once, never recompiled while SIP runs
    internal bool Look(out TimeSpan untilOverrun)
    {
        untilOverrun = Budget;
        var current = _current;
        if (current is null || _stopping)
        {
            return false;
        }

        var since = Volatile.Read(ref current.InlineSince);
        if (since != 0)
        {
            // Coarse milliseconds (see BeginInline): a turn may look up to one clock step older.
            var elapsed = TimeSpan.FromMilliseconds(Environment.TickCount64 - since);
            if (elapsed > Budget && !_stopping)
            {
                // The ticker and the watch may both see the same overrun: one hand-off only.
                ReplaceReceiver(current);
            }
            else
            {
                untilOverrun = Budget - elapsed;
            }
        }

        var turns = Volatile.Read(ref current.Turns);
        var active = since != 0 || turns != _lastTurns;
        _lastTurns = turns;
        return active;
    }

    private void StartReceiver()
    {
        var receiver = NewReceiver();
        _current = receiver;
        receiver.Thread.Start();
    }

    private void ReplaceReceiver(Receiver overran)
    {
        var receiver = NewReceiver();
        if (Interlocked.CompareExchange(ref _current, receiver, overran) != overran)
        {
            return; // the other looker replaced it first
        }

        Interlocked.Increment(ref _handoffs);
        receiver.Thread.Start();
    }

    private Receiver NewReceiver()
    {
        var receiver = new Receiver(this);
        receiver.Thread = new Thread(() => _loop(receiver)) { IsBackground = true, Name = _name };
        return receiver;
    }

    /// <summary>One thread of the loop and when its current inline turn started (<see cref="Environment.TickCount64"/>; 0: none).</summary>
    internal sealed class Receiver(HandoffThreads owner) : IInlineGuard
    {
        public long InlineSince;

        /// <summary>Inline turns started; written by the receiver only, read by the watch.</summary>
        public long Turns;

        public Thread Thread { get; set; } = null!;

        public bool IsCurrent => owner.IsCurrent(this);

        public void BeginTurn() => BeginInline(this);

        public void EndTurn() => EndInline(this);
    }
}
