namespace ScriptedSip.Core.Transactions;

/// <summary>Whether a transaction is parked waiting for a resume, a timer or an awaited task.</summary>
public enum SuspendState
{
    None,

    /// <summary>TSuspend / AsyncRoute: waiting for TContinue (or the async timer).</summary>
    Suspended,

    /// <summary>A request route awaits a task that has not completed.</summary>
    Awaiting,
}
