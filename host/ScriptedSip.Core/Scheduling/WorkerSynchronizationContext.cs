namespace ScriptedSip.Core.Scheduling;

/// <summary>
/// The synchronization context of a worker thread: an <c>await</c> in a route script continues on
/// the worker that owns the call, after whatever that worker is doing now — never on the thread that
/// completed the awaited task (a timer, a socket callback) and never in parallel with the call's
/// next message. A route must therefore never block on a task (<c>.Result</c>, <c>.Wait()</c>): the
/// continuation it waits for would be queued behind it.
/// </summary>
internal sealed class WorkerSynchronizationContext : SynchronizationContext
{
    private readonly SipWorker _worker;

    public WorkerSynchronizationContext(SipWorker worker) => _worker = worker;

    public override void Post(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        _worker.Enqueue(new WorkItem(static s => ((ContinuationBox)s!).Run(), new ContinuationBox(d, state), isContinuation: true));
    }

    public override void Send(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        if (SipWorker.Current == _worker)
        {
            d(state);
            return;
        }

        throw new NotSupportedException("Synchronous Send to a SIP worker would block the caller on that worker; use Post.");
    }

    public override SynchronizationContext CreateCopy() => this;

    private sealed class ContinuationBox(SendOrPostCallback callback, object? state)
    {
        public void Run() => callback(state);
    }
}
