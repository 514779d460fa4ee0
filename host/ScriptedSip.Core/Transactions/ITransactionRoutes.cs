using ScriptedSip.Core.Messages;
using ScriptedSip.Core.Routing;

namespace ScriptedSip.Core.Transactions;

/// <summary>
/// The one narrow way the transaction layer runs scripts. Both are called on the worker that owns
/// the call (the layer queues them there), never on the timer thread or under a transaction's lock.
/// </summary>
public interface ITransactionRoutes
{
    /// <summary>
    /// Runs a named route of the scripts loaded now on the transaction's stored request (a resumed,
    /// async or failure route). The layer counted the run in <see cref="SipTransaction.RunningRoutes"/>;
    /// the end-of-route rules settle it.
    /// </summary>
    void RunOnTransaction(SipTransaction transaction, string route, RouteOrigin origin);

    /// <summary>Runs reply_route and the armed onreply route on a received reply; false when one of them dropped it.</summary>
    bool RunReplyRoutes(InboundMessage reply, string? onReplyRoute);
}
