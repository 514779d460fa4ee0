using System.Net;
using ScriptedSip.Core.Parsing;
using ScriptedSip.Core.Timers;
using ScriptedSip.Core.Transport;

namespace ScriptedSip.Core.Transactions;

/// <summary>
/// One stateful transaction (Kamailio's tm "cell"): the server side facing the sender of the
/// request and the client branches towards the next hops. It keeps the request's bytes, not a
/// parsed tree: whatever needs the parsed view (a resumed route, a local reply) re-parses them.
/// Every state change happens under <see cref="Gate"/>; script routes never run under it.
/// </summary>
public sealed class SipTransaction
{
    internal SipTransaction(uint index, ServerKey key, byte[] request, SocketAddress source, SocketAddress replyTo, ISipTransport transport, SipMethod method, uint callHash)
    {
        Index = index;
        Label = TransactionLabels.Next();
        BranchKey = TransactionLabels.Next();
        Key = key;
        Request = request;
        Source = source;
        ReplyTo = replyTo;
        Transport = transport;
        CallHash = callHash;
        Method = method;
        CreatedAt = System.Diagnostics.Stopwatch.GetTimestamp();
    }

    /// <summary>When the request arrived (<see cref="System.Diagnostics.Stopwatch"/> ticks): the age shown by tm.list, the start of the final-reply histogram.</summary>
    public long CreatedAt { get; }

    public uint Index { get; }

    public uint Label { get; }

    public TransactionId Id => new(Index, Label);

    /// <summary>Random value in our branch parameters: replies find their branch by it, and it reveals nothing about <see cref="Label"/>.</summary>
    public uint BranchKey { get; }

    internal ServerKey Key { get; }

    /// <summary>The request as received (only its start line once a 2xx has ended the transaction: <see cref="KeepOnlyStartLine"/>).</summary>
    public byte[] Request { get; private set; }

    /// <summary>
    /// Once a 2xx went upstream and no route of this transaction runs or waits, nothing parses the
    /// request again (no local reply, no failure or resumed route): only its start line stays, so the
    /// wait state does not hold the whole request. Call with the gate held.
    /// </summary>
    internal void KeepOnlyStartLine()
    {
        Request = TransactionContext.StartLineOnly(Request);
    }

    /// <summary>Where the request came from.</summary>
    public SocketAddress Source { get; }

    /// <summary>Where replies go (RFC 3261 §18.2.2 / RFC 3581).</summary>
    public SocketAddress ReplyTo { get; }

    /// <summary>The transport the request came on; replies go back through it.</summary>
    public ISipTransport Transport { get; }

    /// <summary>The Call-ID hash that picks the worker owning this call: every route run on the transaction is queued there.</summary>
    public uint CallHash { get; }

    public SipMethod Method { get; }

    public bool IsInvite => Method == SipMethod.Invite;

    public Lock Gate { get; } = new();

    internal SipTransaction? NextInBucket { get; set; }

    /// <summary>The layer that owns this transaction (timer callbacks find it here).</summary>
    internal TransactionLayer? Layer { get; set; }

    public ServerState State { get; internal set; }

    /// <summary>The last reply sent upstream (re-sent when the request is retransmitted).</summary>
    public byte[]? LastReply { get; internal set; }

    public int LastStatus { get; internal set; }

    /// <summary>Named route run for replies of this transaction (TOnReply).</summary>
    public string? OnReplyRoute { get; internal set; }

    /// <summary>Named route run for a negative final or a timeout (TOnFailure).</summary>
    public string? FailureRoute { get; internal set; }

    internal List<ClientBranch> Branches { get; } = [];

    /// <summary>Best negative final reply so far among completed branches (RFC 3261 §16.7 step 6).</summary>
    internal int BestStatus { get; set; }

    internal byte[]? BestReply { get; set; }

    public SuspendState Suspension { get; internal set; }

    public bool Canceled { get; internal set; }

    /// <summary>Routes running on this transaction now (resumed, failure): while one runs, nobody else settles it.</summary>
    internal int RunningRoutes { get; set; }

    internal TimerHandle? ServerTimer { get; set; }

    internal TimerHandle? SuspendTimer { get; set; }

    internal int ReplyRetransmitMs { get; set; }

    /// <summary>When the final reply was sent (Timer H counts from here).</summary>
    internal long CompletedAt { get; set; }

    /// <summary>Changes when an await or suspension times out: a context holding an older value is stale.</summary>
    internal int Generation { get; set; }

    /// <summary>Status given to the failure route (best reply, or 408 for a timeout).</summary>
    internal string? BestReason { get; set; }

    public bool FinalSent => LastStatus >= 200;
}
