using System.Buffers;
using ScriptedSip.Core.Scheduling;
using ScriptedSip.Core.Stats;

namespace ScriptedSip.Core.Transport.Streams;

/// <summary>
/// What happens to a framed message of a TCP or TLS connection on its way to a route: counted,
/// copied out of the read buffer, then run as a turn by the read thread when its call's worker is
/// idle, or queued to that worker — refused past <c>Sip:QueueLimit</c>, as a datagram would be.
/// </summary>
internal sealed class StreamDelivery(SipScheduler scheduler, IOverloadResponder overload, SipCounters counters)
{
    /// <summary>A framed message from <paramref name="connection"/>, counted and copied out of the read buffer.</summary>
    public InboundDatagram Take(StreamConnection connection, ReadOnlySequence<byte> message)
    {
        counters.Increment(SipCounter.TcpMessages);
        return InboundDatagram.Rent(connection, message, connection.Remote);
    }

    /// <summary>
    /// Runs a message as a turn on the calling read thread when its call's worker is idle (the
    /// turn marked on <paramref name="guard"/>, so one that overruns moves reading to another
    /// thread); queues it otherwise.
    /// </summary>
    public void DeliverInline(InboundDatagram datagram, IInlineGuard guard)
    {
        var worker = scheduler.WorkerOf(datagram);
        guard.BeginTurn();
        var done = scheduler.TryRunInline(worker, datagram);
        guard.EndTurn();
        if (!done)
        {
            Dispatch(worker, datagram);
        }
    }

    /// <summary>Hands a message to its call's worker like a datagram; refused past Sip:QueueLimit.</summary>
    public void Dispatch(InboundDatagram datagram) => Dispatch(scheduler.WorkerOf(datagram), datagram);

    private void Dispatch(int worker, InboundDatagram datagram)
    {
        if (!scheduler.TryDispatch(worker, datagram))
        {
            lock (overload)
            {
                overload.Refuse(datagram);
            }

            counters.Increment(SipCounter.QueueFull);
        }
    }
}
