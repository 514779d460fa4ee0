using ScriptedSip.Core.Transport;

namespace ScriptedSip.Core.Scheduling;

/// <summary>One turn of a worker: a received message, or a piece of work posted for a call (a resumed route, a failure route, an await continuation).</summary>
internal readonly struct WorkItem
{
    public WorkItem(InboundDatagram datagram)
    {
        Datagram = datagram;
    }

    public WorkItem(Action<object?> callback, object? state, bool isContinuation)
    {
        Callback = callback;
        State = state;
        IsContinuation = isContinuation;
    }

    public InboundDatagram? Datagram { get; }

    public Action<object?>? Callback { get; }

    public object? State { get; }

    /// <summary>An await continuation of a script: timed by the watchdog as such.</summary>
    public bool IsContinuation { get; }
}
