using System.Diagnostics;

namespace ScriptedSip.Core.Transport;

/// <summary>
/// Keeps one thread receiving on a listener's socket even when the receiving thread runs a route
/// itself (inline, when the call's worker is idle) and that route blocks. A monitor looks every
/// <see cref="Budget"/>: a receiver whose inline turn has run longer than that is replaced — a new
/// thread takes over receiving, and the old one ends once its turn returns. At most one thread
/// receives at a time, and at most one blocked receiver per worker exists (an inline turn holds its
/// worker), so a blocking route costs one worker, never the listener.
/// </summary>
internal sealed class ReceiveThreads
{
    private readonly Action<Receiver> _loop;
    private readonly string _name;
    private readonly Thread _monitor;
    private volatile Receiver? _current;
    private volatile bool _stopping;
    private int _handoffs;

    public ReceiveThreads(Action<Receiver> loop, string name)
    {
        _loop = loop;
        _name = name;
        _monitor = new Thread(Watch) { IsBackground = true, Name = "sip-rx-watch " + name };
    }

    /// <summary>How long an inline turn may run before receiving moves to another thread.</summary>
    public static TimeSpan Budget { get; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Times receiving moved to a new thread because an inline turn overran <see cref="Budget"/>.</summary>
    public int Handoffs => Volatile.Read(ref _handoffs);

    public bool IsCurrent(Receiver receiver) => ReferenceEquals(_current, receiver);

    public void Start()
    {
        StartReceiver();
        _monitor.Start();
    }

    public void Stop(TimeSpan timeout)
    {
        _stopping = true;
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
        var receiver = new Receiver();
        receiver.Thread = new Thread(() => _loop(receiver)) { IsBackground = true, Name = "sip-rx " + _name };
        _current = receiver;
        receiver.Thread.Start();
    }

    private void Watch()
    {
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
        }
    }

    /// <summary>One receiving thread and when its current inline turn started (0: none).</summary>
    internal sealed class Receiver
    {
        public long InlineSince;

        public Thread Thread { get; set; } = null!;
    }
}
