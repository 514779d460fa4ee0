namespace ScriptedSip.Core.Transport;

/// <summary>
/// Answers a message the worker of its call has no room for (Sip:QueueLimit): a request is refused
/// with 503 and Retry-After, an ACK or a reply is dropped. Called on the receive threads of one
/// listener (several at once with <c>Sip:ReceiveThreads</c> above one); it owns the datagram and releases it.
/// </summary>
public interface IOverloadResponder
{
    void Refuse(InboundDatagram datagram);
}
