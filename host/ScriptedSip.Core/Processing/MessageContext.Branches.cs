using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Core.Processing;

/// <summary>Appended branches (parallel forking) and the arrival transport, for the location service and NAT handling.</summary>
public sealed partial class MessageContext
{
    public override bool AppendBranch(string uri, string? destination)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!IsRequestLike)
        {
            return NotHere(nameof(AppendBranch));
        }

        if (string.IsNullOrWhiteSpace(uri))
        {
            return Misuse(nameof(AppendBranch), "the branch URI is empty");
        }

        _m.AppendBranch(uri.Trim(), string.IsNullOrWhiteSpace(destination) ? null : destination.Trim());
        return true;
    }

    public override int BranchCount => _m.AppendedBranches.Count;

    public override void ClearBranches() => _m.ClearBranches();

    public override IReadOnlyList<BranchResult> BranchResults =>
        Transaction is { } transaction ? Core.Transactions.ForkedRequest.Results(transaction) : [];
}
