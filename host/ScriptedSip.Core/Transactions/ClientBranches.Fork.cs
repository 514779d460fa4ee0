using System.Net;
using System.Text;
using ScriptedSip.Core.Messages;
using ScriptedSip.Core.Stats;
using ScriptedSip.Core.Transport;

namespace ScriptedSip.Core.Transactions;

/// <summary>
/// Parallel forking (RFC 3261 §16.7, Kamailio's append_branch + t_relay): besides the branch to the
/// Request-URI, every appended branch gets a client branch of its own at once. Each forked request
/// is the first branch's request with its own Request-URI and Via branch — everything else the
/// script decided (Record-Route, edits, Max-Forwards) is the same for every branch.
/// </summary>
internal sealed partial class ClientBranches
{
    /// <summary>A resolved appended branch: its Request-URI and where it goes.</summary>
    private readonly record struct ForkTarget(string Uri, IPEndPoint EndPoint);

    /// <summary>Resolves the appended branches before the transaction's lock is taken; unresolvable ones are logged and skipped.</summary>
    private List<ForkTarget>? ResolveAppendedBranches(InboundMessage context)
    {
        var appended = context.AppendedBranches;
        if (appended.Count == 0)
        {
            return null;
        }

        var targets = new List<ForkTarget>(appended.Count);
        foreach (var (uri, destination) in appended)
        {
            if (_ctx.Messages.Destinations.TryResolve(Encoding.UTF8.GetBytes(destination ?? uri), out var endpoint, out var error))
            {
                targets.Add(new ForkTarget(uri, endpoint!));
            }
            else
            {
                TransactionLog.RelayFailed(_ctx.Logger, context.LogTag, $"branch {uri}: {error}");
            }
        }

        context.ClearBranches(); // consumed: a failure route starts with no appended branches
        return targets;
    }

    /// <summary>Starts one client branch per resolved appended branch, cloned from the first branch's request.</summary>
    private void StartForkedBranchesLocked(SipTransaction transaction, ClientBranch first, ReadOnlySpan<byte> firstBranchId, List<ForkTarget>? targets)
    {
        if (targets is null)
        {
            return;
        }

        Span<byte> branchId = stackalloc byte[64];
        foreach (var target in targets)
        {
            var transport = _ctx.Messages.Transports.For(target.EndPoint.AddressFamily, SipProtocol.Udp, transaction.Transport);
            var number = transaction.Branches.Count;
            if (transport is null
                || !Messages.HopTemplate.TryWriteBranch(branchId, transaction.Index, transaction.BranchKey, number, out var branchLength)
                || ForkedRequest.Build(first.Request, firstBranchId, branchId[..branchLength], Encoding.UTF8.GetBytes(target.Uri)) is not { } request)
            {
                TransactionLog.RelayFailed(_ctx.Logger, "fork", $"branch {target.Uri} could not be written");
                continue;
            }

            var branch = new ClientBranch(transaction, number, request, target.EndPoint.Serialize(), transport);
            transaction.Branches.Add(branch);
            StartBranchLocked(branch);
        }
    }

    /// <summary>Sends a new branch's request and arms its retransmission and fr timers.</summary>
    private void StartBranchLocked(ClientBranch branch)
    {
        branch.Transport.Send(branch.Request, branch.Destination);
        _ctx.Counters.Increment(SipCounter.ForwardedRequests);
        branch.RetransmitMs = _ctx.Options.T1Ms;
        branch.RetransmitTimer = _ctx.Wheel.Schedule(_ctx.T1, static s => OnRetransmitTimer((ClientBranch)s!), branch);
        branch.TimeoutTimer = _ctx.Wheel.Schedule(TimeSpan.FromMilliseconds(_ctx.Options.FrTimerMs), static s => OnBranchTimeout((ClientBranch)s!), branch);
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

    internal static byte[]? Build(ReadOnlySpan<byte> template, ReadOnlySpan<byte> oldBranch, ReadOnlySpan<byte> newBranch, ReadOnlySpan<byte> uri)
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

        // Our Via is the first one in the headers; its branch value is unique (a random key in it).
        var rest = template[lineEnd..];
        var at = rest.IndexOf(oldBranch);
        if (at < 0)
        {
            return null;
        }

        var output = new byte[template.Length - (uriEnd - uriStart) + uri.Length - oldBranch.Length + newBranch.Length];
        var w = 0;
        template[..uriStart].CopyTo(output);
        w += uriStart;
        uri.CopyTo(output.AsSpan(w));
        w += uri.Length;
        template[uriEnd..(lineEnd + at)].CopyTo(output.AsSpan(w));
        w += lineEnd + at - uriEnd;
        newBranch.CopyTo(output.AsSpan(w));
        w += newBranch.Length;
        rest[(at + oldBranch.Length)..].CopyTo(output.AsSpan(w));
        return output;
    }
}
