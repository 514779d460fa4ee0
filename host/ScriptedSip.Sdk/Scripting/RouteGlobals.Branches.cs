namespace ScriptedSip.Sdk.Scripting;

/// <summary>
/// Parallel forking and what a registrar needs to know about the message's transport. Kept apart
/// from the core globals: these are the hooks the location service (Lookup) and NAT handling use.
/// </summary>
public abstract partial class RouteGlobals
{
    /// <summary>
    /// Adds a branch to the next <c>TRelay()</c> (Kamailio's append_branch): the request is then sent
    /// at once to the Request-URI (and <see cref="Du"/>) and to every appended branch, each with its
    /// own Request-URI <paramref name="uri"/> and, when given, its own next hop
    /// <paramref name="destination"/> (a NATed contact's received address, or a Path). The first 2xx
    /// wins and the other branches get CANCEL (RFC 3261 §16.7). False for an empty URI.
    /// </summary>
    public abstract bool AppendBranch(string uri, string? destination);

    /// <summary>As <see cref="AppendBranch(string, string?)"/> without a separate next hop.</summary>
    public bool AppendBranch(string uri) => AppendBranch(uri, null);

    /// <summary>Branches appended so far and not yet relayed (their count: Kamailio's $branch count).</summary>
    public abstract int BranchCount { get; }

    /// <summary>Drops every appended branch that was not relayed yet (clear_branches).</summary>
    public abstract void ClearBranches();

    /// <summary>
    /// Every client branch of this request's transaction so far, in the order they were created:
    /// per-branch failure information in a failure route (which contact answered what). Empty
    /// before the first TRelay.
    /// </summary>
    public abstract IReadOnlyList<BranchResult> BranchResults { get; }
}

/// <summary>One client branch of a transaction: where it went and how it ended (0 = no reply yet, 408 = no final reply in time).</summary>
/// <param name="Uri">The branch's Request-URI.</param>
/// <param name="Status">Highest status received on it.</param>
public sealed record BranchResult(string Uri, int Status);
