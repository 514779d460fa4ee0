namespace ScriptedSip.Core.Transport;

/// <summary>
/// Processes datagrams on one worker thread. One handler instance per worker, so it may keep
/// per-worker scratch state. It owns the datagram and must call <see cref="InboundDatagram.Release"/>
/// when done (possibly later, if processing continues asynchronously).
/// </summary>
public interface IDatagramHandler
{
    void Handle(InboundDatagram datagram);
}
