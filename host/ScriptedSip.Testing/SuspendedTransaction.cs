namespace ScriptedSip.Testing;

/// <summary>A transaction waiting in the server: suspended (<c>TSuspend</c>, <c>AsyncRoute</c>) or awaiting a task.</summary>
/// <param name="Index">Its <c>TIndex</c>.</param>
/// <param name="Label">Its <c>TLabel</c>.</param>
/// <param name="Method">The request's method.</param>
/// <param name="CallId">The request's Call-ID.</param>
/// <param name="Awaiting">True when a route awaits a task, false when suspended.</param>
public sealed record SuspendedTransaction(uint Index, uint Label, string Method, string CallId, bool Awaiting)
{
    /// <summary>The seed's resume packet for this transaction: <c>:KREQUEST-RESUME-TRANSACTION:index:label:route:</c>.</summary>
    public string ResumePacket(string route = "RESUME") => $":KREQUEST-RESUME-TRANSACTION:{Index}:{Label}:{route}:";

    /// <summary>Method, Call-ID and index:label.</summary>
    public override string ToString() => $"{Method} {CallId} as {Index}:{Label}{(Awaiting ? " (awaiting)" : string.Empty)}";
}
