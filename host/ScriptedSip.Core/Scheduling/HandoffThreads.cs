using System.Diagnostics;

namespace ScriptedSip.Core.Scheduling;

/// <summary>
/// Keeps one thread doing a loop's job (receiving on a listener's socket, ticking the timer wheel)
/// even when that thread runs a route itself (inline, when the call's worker is idle) and the route
/// blocks. A watch looks every <see cref="Budget"/>: a thread whose inline turn has run longer than
/// that is replaced — a new thread takes over the loop, and the old one ends once its turn returns.
/// At most one thread runs the loop at a time, and at most one blocked thread per worker exists (an
/// inline turn holds its worker), so a blocking route costs one worker, never the listener or the
/// timers.
/// </summary>
internal sealed class HandoffThreads : IDisposable
{
    private readonly Action<Receiver> _loop;
    private readonly string _name;
    private readonly Thread _monitor;
    private readonly ManualResetEventSlim _wake = new(false, spinCount: 0);
    private volatile Receiver? _current;
    private volatile bool _stopping;
    private int _handoffs;
    private int _parked;

    /// <param name="loop">The job; it returns once <see cref="IsCurrent"/> is false for its receiver.</param>
    /// <param name="name">Thread name of the loop's threads; the watch is named after it.</param>
    public HandoffThreads(Action<Receiver> loop, string name)
    {
        _loop = loop;
        _name = name;
        _monitor = new Thread(Watch) { IsBackground = true, Name = name + "-watch" };
    }

    /// <summary>How long an inline turn may run before receiving moves to another thread.</summary>
    public static TimeSpan Budget { get; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Times the loop moved to a new thread because an inline turn overran <see cref="Budget"/>.</summary>
    public int Handoffs => Volatile.Read(ref _handoffs);

    public bool IsCurrent(Receiver receiver) => ReferenceEquals(_current, receiver);

    public void Start()
    {
        StartReceiver();
        _monitor.Start();
    }

    /// <summary>
    /// A receiver starts an inline turn. The full fence (the exchange) pairs with the one in
    /// <see cref="Watch"/>: either the watch sees this turn before it parks, or this call sees the
    /// watch parked and wakes it. One uncontended interlocked write per datagram, no wake-up while
    /// the watch is awake.
    /// </summary>
    public void BeginInline(Receiver receiver)
    {
        Interlocked.Exchange(ref receiver.InlineSince, Stopwatch.GetTimestamp());
        receiver.Turns++;
        if (Volatile.Read(ref _parked) == 1)
        {
            _wake.Set();
        }
    }

    public static void EndInline(Receiver receiver) => Volatile.Write(ref receiver.InlineSince, 0);

    /// <summary>After <see cref="Stop"/>: releases the watch's wake-up event.</summary>
    public void Dispose() => _wake.Dispose();

    public void Stop(TimeSpan timeout)
    {
        _stopping = true;
        _wake.Set();
        var current = _current;
        if (current?.Thread.IsAlive == true)
        {
            current.Thread.Join(timeout);
        }

        if (_monitor.IsAlive)
        {
            _monitor.Join(timeout);
        }
    }

    private void StartReceiver()
    {
        var receiver = new Receiver(this);
        receiver.Thread = new Thread(() => _loop(receiver)) { IsBackground = true, Name = _name };
        _current = receiver;
        receiver.Thread.Start();
    }

    private void Watch()
    {
        // After this many looks without a single inline turn (about a second) the watch parks until
        // the next turn starts: an idle listener wakes nobody.
        const int IdleLooksBeforeParking = 100;
        var idleLooks = 0;
        long lastTurns = -1;
        while (!_stopping)
        {
            Thread.Sleep(Budget);
            var current = _current;
            var since = current is null ? 0 : Volatile.Read(ref current.InlineSince);
            if (since != 0 && Stopwatch.GetElapsedTime(since) > Budget && !_stopping)
            {
                Interlocked.Increment(ref _handoffs);
                StartReceiver();
            }

            var turns = current is null ? 0 : Volatile.Read(ref current.Turns);
            idleLooks = since == 0 && turns == lastTurns ? idleLooks + 1 : 0;
            lastTurns = turns;
            if (idleLooks >= IdleLooksBeforeParking && current is not null)
            {
                Interlocked.Exchange(ref _parked, 1);
                if (Volatile.Read(ref current.InlineSince) == 0 && !_stopping && ReferenceEquals(current, _current))
                {
                    Parks++;
                    _wake.Wait();
                }

                Interlocked.Exchange(ref _parked, 0);
                _wake.Reset();
                idleLooks = 0;
            }
        }
    }

    /// <summary>Times the watch parked because the listener was idle (observable in tests).</summary>
    public int Parks { get; private set; }

    /// <summary>One thread of the loop and when its current inline turn started (0: none).</summary>
    internal sealed class Receiver(HandoffThreads owner) : IInlineGuard
    {
        public long InlineSince;

        /// <summary>Inline turns started; written by the receiver only, read by the watch.</summary>
        public long Turns;

        public Thread Thread { get; set; } = null!;

        public bool IsCurrent => owner.IsCurrent(this);

        public void BeginTurn() => owner.BeginInline(this);

        public void EndTurn() => EndInline(this);
    }
}
