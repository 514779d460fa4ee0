namespace ScriptedSip.Sdk.Scripting;

/// <summary>
/// The transaction and suspend/resume API (Kamailio's tm/tmx/async functions). Declared here so
/// scripts have one surface. Until the host's transaction layer provides them, each call fails
/// with <see cref="NotSupportedException"/> saying so: the request then gets 500 and the error is
/// logged with the script line — never a silent success.
/// </summary>
public abstract partial class RouteGlobals
{
    /// <summary>Relays the request statefully to the request URI (t_relay).</summary>
    public virtual bool TRelay() => throw NotYet(nameof(TRelay));

    /// <summary>Relays the request statefully to the given destination (t_relay_to).</summary>
    public virtual bool TRelay(string uri) => throw NotYet(nameof(TRelay));

    /// <summary>Sends a stateful reply (t_reply).</summary>
    public virtual bool TReply(int code, string reason) => throw NotYet(nameof(TReply));

    /// <summary>True when the request belongs to an existing transaction, whose retransmission is then handled (t_check_trans).</summary>
    public virtual bool TCheckTrans() => throw NotYet(nameof(TCheckTrans));

    /// <summary>Arms a named route for replies of this transaction (t_on_reply).</summary>
    public virtual void TOnReply(string route) => throw NotYet(nameof(TOnReply));

    /// <summary>Arms a named route for a negative final reply or timeout (t_on_failure).</summary>
    public virtual void TOnFailure(string route) => throw NotYet(nameof(TOnFailure));

    /// <summary>Suspends the transaction (t_suspend); then <see cref="TIndex"/>/<see cref="TLabel"/> hold its id.</summary>
    public virtual bool TSuspend() => throw NotYet(nameof(TSuspend));

    /// <summary>Hash index of the current transaction ($T(id_index)).</summary>
    public virtual uint TIndex => throw NotYet(nameof(TIndex));

    /// <summary>Random label of the current transaction ($T(id_label)).</summary>
    public virtual uint TLabel => throw NotYet(nameof(TLabel));

    /// <summary>Resumes a suspended transaction in the named route (t_continue).</summary>
    public virtual bool TContinue(uint tindex, uint tlabel, string route) => throw NotYet(nameof(TContinue));

    /// <summary>Resumes a suspended transaction; ids as text straight from a packet (garbage → false).</summary>
    public virtual bool TContinue(string tindex, string tlabel, string route) => throw NotYet(nameof(TContinue));

    /// <summary>Suspends the transaction and runs the named route after 1..100 seconds (async_route).</summary>
    public virtual bool AsyncRoute(string route, int seconds) => throw NotYet(nameof(AsyncRoute));

    /// <summary>As <see cref="AsyncRoute(string, int)"/>, seconds given as text.</summary>
    public virtual bool AsyncRoute(string route, string seconds) => throw NotYet(nameof(AsyncRoute));

    /// <summary>Suspends the transaction and continues this script after 1..100 seconds (async_sleep): <c>await AsyncSleep(2);</c></summary>
    public virtual Task AsyncSleep(int seconds) => throw NotYet(nameof(AsyncSleep));

    private static NotSupportedException NotYet(string function) =>
        new($"{function}: the transaction layer is not available in this version of ScriptedSip; use the stateless functions (SlSendReply, Forward).");
}
