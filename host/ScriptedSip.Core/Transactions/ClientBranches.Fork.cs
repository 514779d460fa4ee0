using System.Text;
using ScriptedSip.Core.Messages;
using ScriptedSip.Core.Stats;
using ScriptedSip.Core.Transport;
using ScriptedSip.Core.Transport.ServerLocation;

namespace ScriptedSip.Core.Transactions;

/// <summary>
/// Parallel forking (RFC 3261 §16.7, Kamailio's append_branch + t_relay): besides the branch to the
/// Request-URI, every appended branch gets a client branch of its own at once. Each forked request
/// is the relayed request without our hop headers (the script's Record-Route decision, edits and
/// Max-Forwards are the same for every branch) with its own Request-URI; its next hop is located
/// like the first branch's (RFC 3263: a name not cached yet is waited for off the worker), and its
/// own transport (<c>;transport=</c>, <c>sips:</c>, NAPTR/SRV, size) decides its listener, Via and
/// Record-Route. A branch whose destination does not resolve ends with 503 "Unresolvable destination".
/// </summary>
internal sealed partial class ClientBranches
{
    /// <summary>An appended branch: its Request-URI and where its next hop was (or is being) looked up.</summary>
    private readonly record struct ForkTarget(string Uri, DestinationLookup Lookup);

    /// <summary>Looks up every appended branch's next hop before the transaction's lock is taken (a lookup never waits).</summary>
    private List<ForkTarget>? LocateAppendedBranches(InboundMessage context)
    {
        var appended = context.AppendedBranches;
        if (appended.Count == 0)
        {
            return null;
        }

        var targets = new List<ForkTarget>(appended.Count);
        foreach (var (uri, destination) in appended)
        {
            targets.Add(new ForkTarget(uri, _ctx.Messages.Destinations.Locate(Encoding.UTF8.GetBytes(destination ?? uri))));
        }

        context.ClearBranches(); // consumed: a failure route starts with no appended branches
        return targets;
    }

    /// <summary>
    /// Starts one client branch per appended branch from <paramref name="template"/> (the request
    /// without our Via and Record-Route). Branches that end at once (no usable target, a name that
    /// does not resolve) are returned: the caller ends them after the route, as for the first branch.
    /// </summary>
    private List<ClientBranch>? StartAppendedBranchesLocked(SipTransaction transaction, InboundMessage context, byte[] template, bool recordRoute, List<ForkTarget>? targets)
    {
        if (targets is null)
        {
            return null;
        }

        List<ClientBranch>? failed = null;
        var incoming = context.Transport is Transport.Streams.StreamConnection connection ? connection.Listener : context.Transport;
        foreach (var target in targets)
        {
            if (ForkedRequest.WithRequestUri(template, Encoding.UTF8.GetBytes(target.Uri)) is not { } forked)
            {
                TransactionLog.RelayFailed(_ctx.Logger, context.LogTag, $"branch {target.Uri} could not be written");
                continue;
            }

            var lookup = target.Lookup;
            var relay = new LocatedRelay(forked, lookup.Hop, incoming, transaction.Transport, context.ForcedProtocol, recordRoute);
            var branch = new ClientBranch(transaction, transaction.Branches.Count, forked, LocatedRelay.Nowhere, context.Transport) { Located = relay };
            transaction.Branches.Add(branch);
            if (!StartLocatedLocked(branch, lookup, context.LogTag, target.Uri))
            {
                (failed ??= []).Add(branch);
            }
        }

        return failed;
    }

    /// <summary>
    /// Sends a located branch to its first usable target, or — DNS still asking — arms its fr timer
    /// and sends it from the answer. False: it cannot be sent (the caller ends it with 503).
    /// </summary>
    private bool StartLocatedLocked(ClientBranch branch, in DestinationLookup lookup, string logTag, string what)
    {
        switch (lookup.Status)
        {
            case DestinationStatus.Resolved:
                branch.Located!.Add(lookup.Targets);
                return StartNextTargetLocked(_ctx, branch);
            case DestinationStatus.Pending:
                // Bounded: no answer within the fr timer ends the branch with 408 like a silent next hop.
                branch.TimeoutTimer = _ctx.Wheel.Schedule(TimeSpan.FromMilliseconds(_ctx.Options.FrTimerMs), static s => OnBranchTimeout((ClientBranch)s!), branch);
                lookup.Pending!.ContinueWith(
                    static (task, s) => OnLocated((ClientBranch)s!, task.Result),
                    branch,
                    CancellationToken.None,
                    TaskContinuationOptions.DenyChildAttach,
                    TaskScheduler.Default);
                return true;
            default:
                TransactionLog.RelayFailed(_ctx.Logger, logTag, $"{what}: {lookup.Error}");
                return false;
        }
    }

    /// <summary>After the relaying route has ended (same worker, queued behind it): branches that could not be sent end with 503.</summary>
    private void FailAfterRoute(SipTransaction transaction, List<ClientBranch>? branches)
    {
        if (branches is null)
        {
            return;
        }

        foreach (var branch in branches)
        {
            _ctx.Scheduler.Post(transaction.CallHash, static s => FailBranch((ClientBranch)s!, 503, UnresolvableReason), branch);
        }
    }
}

/// <summary>Builds a forked branch's request from another branch's bytes: a new Request-URI and a new top Via branch.</summary>
public static class ForkedRequest
{
    /// <summary>Each branch's Request-URI (from its start line) and status, for the failure route.</summary>
    public static IReadOnlyList<ScriptedSip.Sdk.Scripting.BranchResult> Results(SipTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        lock (transaction.Gate)
        {
            var results = new List<ScriptedSip.Sdk.Scripting.BranchResult>(transaction.Branches.Count);
            foreach (var branch in transaction.Branches)
            {
                var request = branch.Request.AsSpan();
                var lineEnd = request.IndexOf("\r\n"u8);
                var line = lineEnd < 0 ? request : request[..lineEnd];
                var start = line.IndexOf((byte)' ') + 1;
                var end = line.LastIndexOf((byte)' ');
                results.Add(new(end > start ? Encoding.UTF8.GetString(line[start..end]) : string.Empty, branch.Status));
            }

            return results;
        }
    }

    /// <summary>The request with another Request-URI (everything else byte for byte). Null when its start line does not parse.</summary>
    internal static byte[]? WithRequestUri(ReadOnlySpan<byte> template, ReadOnlySpan<byte> uri)
    {
        var lineEnd = template.IndexOf("\r\n"u8);
        if (lineEnd < 0)
        {
            return null;
        }

        var startLine = template[..lineEnd];
        var uriStart = startLine.IndexOf((byte)' ') + 1;
        var uriEnd = startLine.LastIndexOf((byte)' ');
        if (uriStart <= 0 || uriEnd <= uriStart)
        {
            return null;
        }

        var output = new byte[template.Length - (uriEnd - uriStart) + uri.Length];
        template[..uriStart].CopyTo(output);
        uri.CopyTo(output.AsSpan(uriStart));
        template[uriEnd..].CopyTo(output.AsSpan(uriStart + uri.Length));
        return output;
    }
}
