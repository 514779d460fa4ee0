namespace ScriptedSip.Core.Timers;

/// <summary>
/// The wheel's tick on its own thread, for the real clock. A thread-pool timer would wake a pool
/// worker 100 times a second, and an idle pool worker spins (sched_yield) before it sleeps: under
/// load that spinning cost more CPU than the SIP messages. A sleeping thread costs nothing between
/// ticks. Tests use a fake <see cref="TimeProvider"/> and its timers instead.
/// </summary>
internal sealed class DedicatedTicker : ITimer
{
    private readonly Thread _thread;
    private readonly TimeSpan _period;
    private readonly Action _tick;
    private readonly ManualResetEventSlim _stop = new(false, spinCount: 0);

    public DedicatedTicker(Action tick, TimeSpan period, string name)
    {
        _tick = tick;
        _period = period;
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    public bool Change(TimeSpan dueTime, TimeSpan period) => throw new NotSupportedException("The wheel's ticker runs at a fixed period.");

    public void Dispose()
    {
        if (!_stop.IsSet)
        {
            _stop.Set();
            if (Thread.CurrentThread != _thread)
            {
                _thread.Join(TimeSpan.FromSeconds(2));
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private void Run()
    {
        while (!_stop.Wait(_period))
        {
            _tick();
        }
    }
}
