using System.Net;
using ScriptedSip.Core.Timers;
using ScriptedSip.Core.Transport;

namespace ScriptedSip.Core.Transactions;

/// <summary>One client transaction of a <see cref="SipTransaction"/>: the request as we forwarded it to one next hop.</summary>
internal sealed class ClientBranch
{
    public ClientBranch(SipTransaction owner, int number, byte[] request, SocketAddress destination, ISipTransport transport)
    {
        Owner = owner;
        Number = number;
        Request = request;
        Destination = destination;
        Transport = transport;
    }

    public SipTransaction Owner { get; }

    public int Number { get; }

    /// <summary>
    /// The forwarded request (with our Via), for retransmissions and to build CANCEL/ACK. While a
    /// DNS lookup is under way it is the request without our hop headers (nothing is sent yet).
    /// </summary>
    public byte[] Request { get; private set; }

    public SocketAddress Destination { get; private set; }

    public ISipTransport Transport { get; private set; }

    /// <summary>A branch to a host name (RFC 3263): what it needs to go to a target, and the targets left for failover.</summary>
    public LocatedRelay? Located { get; init; }

    /// <summary>Sets where a branch that waited for DNS goes (under the transaction's gate, before anything is sent).</summary>
    public void Bind(byte[] request, SocketAddress destination, ISipTransport transport)
    {
        Request = request;
        Destination = destination;
        Transport = transport;
    }

    /// <summary>
    /// After a 2xx nothing re-sends this branch's request (no retransmission, no CANCEL, no hop-by-hop
    /// ACK): only its start line is kept (the branch results read the Request-URI from it), so the
    /// transaction's wait state does not hold a full copy of the request for its last seconds.
    /// </summary>
    public void KeepOnlyStartLine()
    {
        Request = TransactionContext.StartLineOnly(Request);
    }

    /// <summary>Highest status received so far; 0 = nothing yet.</summary>
    public int Status { get; set; }

    public bool Completed => Status >= 200;

    public bool CancelPending { get; set; }

    public bool CancelSent { get; set; }

    /// <summary>The To tag of the final reply, for the hop-by-hop ACK.</summary>
    public byte[]? FinalToHeader { get; set; }

    public TimerHandle? RetransmitTimer { get; set; }

    public TimerHandle? TimeoutTimer { get; set; }

    public int RetransmitMs { get; set; }
}
