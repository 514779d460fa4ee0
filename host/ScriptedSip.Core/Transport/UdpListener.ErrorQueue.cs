using System.Net;
using System.Net.Sockets;

namespace ScriptedSip.Core.Transport;

/// <summary>
/// The listener's side of <see cref="UdpErrorQueue"/> (Linux): when a receive fails because an ICMP
/// error was queued, the queue is read and every unreachable destination is reported to
/// <see cref="Unreachable"/> (the transaction layer), which ends the branch whose datagram bounced.
/// </summary>
public sealed partial class UdpListener
{
    /// <summary>Told of every datagram that came back ICMP unreachable; null: they are only counted.</summary>
    public IUnreachableDestinations? Unreachable { get; set; }

    /// <summary>True when the socket's error queue is read (Linux); elsewhere such branches end by their fr timer.</summary>
    public bool ReadsIcmpErrors => _errorQueue is not null;

    /// <summary>After a failed receive: reads the error queue; true when the error came from it.</summary>
    private bool DrainErrorQueue(SocketError error)
    {
        if (_errorQueue is null || !UdpErrorQueue.IsQueuedErrorSignal(error))
        {
            return false;
        }

        DrainNow();
        return true;
    }

    private void DrainNow() => _errorQueue!.Drain(this, Unreachable); // counts udp.icmp_unreachable itself

    /// <summary>
    /// A send failed with the error an earlier ICMP error left pending on the socket (the kernel
    /// reports it to the next receive or send, whichever comes first): this datagram was not sent
    /// and is not the one that bounced. Empty the queue, then send again. Reading the queue can leave
    /// one more error pending (each dequeue re-arms it for the next entry), and new ones may arrive
    /// meanwhile, so a few rounds are allowed; the branches are told on the thread pool, since a
    /// sender may hold a transaction's lock and the queue's reader takes others.
    /// </summary>
    private bool RetryAfterQueuedError(SocketError error, ReadOnlySpan<byte> message, SocketAddress destination)
    {
        if (_errorQueue is null || !UdpErrorQueue.IsQueuedErrorSignal(error) || _stopping)
        {
            return false;
        }

        for (var round = 0; round < MaxSendRetries; round++)
        {
            _errorQueue.DrainForSender(this, Unreachable);
            try
            {
                _socket.SendTo(message, SocketFlags.None, destination);
                return true;
            }
            catch (SocketException ex) when (UdpErrorQueue.IsQueuedErrorSignal(ex.SocketErrorCode) && !_stopping)
            {
                // another pending error: read the queue again
            }
            catch (SocketException)
            {
                return false;
            }
        }

        return false;
    }

    /// <summary>Send attempts after a pending ICMP error: enough for the re-armed one plus a burst of new ones.</summary>
    private const int MaxSendRetries = 8;
}
