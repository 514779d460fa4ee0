namespace ScriptedSip.Core.Transactions;

/// <summary>Server (upstream) side of a transaction, RFC 3261 §17.2 (with RFC 6026's Accepted).</summary>
public enum ServerState
{
    /// <summary>No final reply sent yet (Trying / Proceeding).</summary>
    Proceeding,

    /// <summary>INVITE: a non-2xx final was sent; it is retransmitted (Timer G) until the ACK comes.</summary>
    Completed,

    /// <summary>INVITE: the ACK came; the transaction lingers (Timer I) to absorb ACK retransmissions.</summary>
    Confirmed,

    /// <summary>A 2xx (INVITE) or any final (non-INVITE) was sent; kept for the wait time to absorb retransmissions.</summary>
    Accepted,

    /// <summary>Removed from the table.</summary>
    Terminated,
}
