using System.Net;
using Microsoft.Extensions.Logging;
using ScriptedSip.Core.Messages;
using ScriptedSip.Core.Parsing;
using ScriptedSip.Core.Routing;
using ScriptedSip.Core.Stats;
using ScriptedSip.Core.Transport;
using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Core.Transactions;

/// <summary>
/// Suspend and resume (Kamailio's t_suspend / t_continue / async_route, plus awaiting scripts).
/// A suspended transaction always ends: resumed once, cancelled, timed out (408 or the failure
/// route), or answered 503 at shutdown. Resumed routes are queued to the call's worker.
/// </summary>
internal sealed class Suspensions
{
    private readonly TransactionContext _ctx;

    public Suspensions(TransactionContext ctx) => _ctx = ctx;

    public const int MinAsyncSeconds = 1;

    public const int MaxAsyncSeconds = 100;

    /// <summary>t_suspend. False (logged) after a final reply, for ACK, or when MaxSuspended are suspended.</summary>
    public bool Suspend(InboundMessage context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!TrySuspend(context, out var transaction, out var reason))
        {
            TransactionLog.SuspendFailed(_ctx.Logger, context.LogTag, reason);
            return false;
        }

        lock (transaction!.Gate)
        {
            transaction.SuspendTimer = _ctx.Wheel.Schedule(
                TimeSpan.FromMilliseconds(_ctx.Options.FrTimerMs),
                static s => ((SipTransaction)s!).Layer!.Suspensions.OnSuspendTimeout((SipTransaction)s!),
                transaction);
        }

        return true;
    }

    /// <summary>async_route: suspend now, run <paramref name="route"/> on the transaction after <paramref name="seconds"/>.</summary>
    public bool AsyncRoute(InboundMessage context, string route, int seconds)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(route);
        if (seconds is < MinAsyncSeconds or > MaxAsyncSeconds)
        {
            TransactionLog.AsyncFailed(_ctx.Logger, context.LogTag, "AsyncRoute", $"seconds must be {MinAsyncSeconds}..{MaxAsyncSeconds}, not {seconds}");
            return false;
        }

        if (context.Routes.Find(route) is null)
        {
            TransactionLog.AsyncFailed(_ctx.Logger, context.LogTag, "AsyncRoute", $"no route {route} is loaded");
            return false;
        }

        if (!TrySuspend(context, out var transaction, out var reason))
        {
            TransactionLog.AsyncFailed(_ctx.Logger, context.LogTag, "AsyncRoute", reason);
            return false;
        }

        lock (transaction!.Gate)
        {
            var pending = new PendingResume(transaction, route, transaction.Generation);
            transaction.SuspendTimer = _ctx.Wheel.Schedule(TimeSpan.FromSeconds(seconds), static s => ((PendingResume)s!).Fire(), pending);
        }

        return true;
    }

    /// <summary>async_sleep: a task completing after <paramref name="seconds"/>; the awaiting script keeps its state.</summary>
    public Task Sleep(InboundMessage context, int seconds)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (seconds is < MinAsyncSeconds or > MaxAsyncSeconds)
        {
            throw new ArgumentOutOfRangeException(nameof(seconds), seconds, $"AsyncSleep takes {MinAsyncSeconds}..{MaxAsyncSeconds} seconds.");
        }

        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _ctx.Wheel.Schedule(TimeSpan.FromSeconds(seconds), static s => ((TaskCompletionSource)s!).TrySetResult(), completion);
        return completion.Task;
    }

    /// <summary>t_continue: resumes a suspended transaction in the named route of the scripts loaded now, exactly once.</summary>
    public bool Continue(TransactionId id, string route)
    {
        ArgumentNullException.ThrowIfNull(route);
        var transaction = _ctx.Table.Find(id);
        if (transaction is null)
        {
            return ResumeFailed(id, route, "no such transaction (unknown index or wrong label, or it already ended)");
        }

        if (_ctx.Routes.Current.Find(route) is null)
        {
            return ResumeFailed(id, route, $"no route {route} is loaded");
        }

        lock (transaction.Gate)
        {
            if (transaction.Suspension != SuspendState.Suspended)
            {
                return ResumeFailed(id, route, "the transaction is not suspended (already resumed, cancelled, timed out or answered)");
            }

            _ctx.EndSuspensionLocked(transaction);
            transaction.RunningRoutes++;
        }

        _ctx.Counters.Increment(SipCounter.Resumed);
        _ctx.PostRoute(transaction, route, RouteOrigin.Resumed);
        return true;
    }

    /// <summary>TContinue with ids as text straight from a packet: garbage → false and one warning.</summary>
    public bool Continue(string? index, string? label, string route)
    {
        if (!TransactionId.TryParse(index, label, out var id))
        {
            // Logged before counted: whoever watches the counter finds the line already written.
            TransactionLog.ResumeFailed(_ctx.Logger, index ?? "null", label ?? "null", route, "the ids are not unsigned 32-bit numbers");
            _ctx.Counters.Increment(SipCounter.ResumeFailures);
            return false;
        }

        return Continue(id, route);
    }

    /// <summary>A request route awaits an unfinished task: hold its transaction like a suspended one.</summary>
    public void BeginAwait(InboundMessage context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Kind != RouteKind.Request && context.Kind != RouteKind.Failure)
        {
            return;
        }

        var transaction = context.Transaction;
        if (transaction is null)
        {
            if (context.Message.Method == SipMethod.Ack || context.Replied || context.Forwarded)
            {
                return;
            }

            transaction = _ctx.Layer.Server.Ensure(context);
            if (transaction is null)
            {
                return;
            }
        }

        lock (transaction.Gate)
        {
            if (transaction.FinalSent || transaction.Suspension != SuspendState.None || transaction.State == ServerState.Terminated)
            {
                return;
            }

            if (_ctx.SuspendedNow >= _ctx.Options.MaxSuspended)
            {
                transaction.Generation++; // the script goes on, but its actions will be ignored
                _ctx.Layer.Server.SendLocalReplyLocked(transaction, context.Message, 503, "Service Unavailable");
                return;
            }

            EnterSuspensionLocked(transaction, context.Message, SuspendState.Awaiting);
            transaction.SuspendTimer = _ctx.Wheel.Schedule(
                TimeSpan.FromMilliseconds(_ctx.Options.FrTimerMs),
                static s => ((SipTransaction)s!).Layer!.Suspensions.OnSuspendTimeout((SipTransaction)s!),
                transaction);
        }
    }

    /// <summary>The awaited task completed: the transaction is no longer held.</summary>
    public void EndAwait(InboundMessage context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Transaction is not { } transaction || context.IsStale)
        {
            return;
        }

        lock (transaction.Gate)
        {
            if (transaction.Suspension == SuspendState.Awaiting)
            {
                _ctx.EndSuspensionLocked(transaction);
                _ctx.Counters.Increment(SipCounter.Resumed);
            }
        }
    }

    internal bool TrySuspend(InboundMessage context, out SipTransaction? transaction, out string reason)
    {
        transaction = null;
        if (context.IsStale)
        {
            reason = "the transaction timed out";
            return false;
        }

        if (context.Kind is not (RouteKind.Request or RouteKind.Failure))
        {
            reason = $"not available in a {context.Kind} route";
            return false;
        }

        transaction = _ctx.Layer.Server.Ensure(context);
        if (transaction is null)
        {
            reason = "no transaction is possible for this request (ACK)";
            return false;
        }

        lock (transaction.Gate)
        {
            if (transaction.FinalSent || transaction.State == ServerState.Terminated)
            {
                reason = "a final reply was already sent";
                return false;
            }

            if (transaction.Suspension == SuspendState.Suspended)
            {
                reason = "the transaction is already suspended";
                return false;
            }

            if (_ctx.SuspendedNow >= _ctx.Options.MaxSuspended)
            {
                reason = $"Transactions:MaxSuspended ({_ctx.Options.MaxSuspended}) transactions are suspended";
                return false;
            }

            if (transaction.Suspension == SuspendState.Awaiting)
            {
                _ctx.EndSuspensionLocked(transaction); // an awaiting route suspends explicitly: the explicit state wins
            }

            EnterSuspensionLocked(transaction, context.Message, SuspendState.Suspended);
        }

        context.MarkSuspended();

        reason = string.Empty;
        return true;
    }

    private void EnterSuspensionLocked(SipTransaction transaction, SipMessage request, SuspendState state)
    {
        transaction.Suspension = state;
        _ctx.IncrementSuspended();
        _ctx.Counters.Increment(SipCounter.Suspended);
        if (transaction.IsInvite && transaction.LastStatus == 0)
        {
            _ctx.Layer.Server.SendLocalReplyLocked(transaction, request, 100, "Trying");
        }
    }

    /// <summary>The transaction's request as the subject of a timer's log line (on the timer thread, outside any route turn).</summary>
    private Scheduling.SipLogScope.Scope LogScopeOf(SipTransaction transaction)
    {
        Scheduling.ISipLogContext? subject = null;
        if (_ctx.Logger.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Information))
        {
            TransactionContext.WithRequest(transaction, request => subject = Scheduling.LogSubject.Of(request, transaction.Source));
        }

        return subject is null ? default : Scheduling.SipLogScope.Enter(subject);
    }

    /// <summary>Not resumed within the fr timer: 408 upstream, or the failure route if one was armed.</summary>
    internal void OnSuspendTimeout(SipTransaction transaction)
    {
        string? failureRoute;
        lock (transaction.Gate)
        {
            if (transaction.Suspension == SuspendState.None || transaction.FinalSent)
            {
                return;
            }

            _ctx.EndSuspensionLocked(transaction);
            transaction.Generation++; // whoever still holds this transaction in a script is now stale
            _ctx.Counters.Increment(SipCounter.SuspendTimeouts);
            failureRoute = transaction.FailureRoute;
            transaction.FailureRoute = null;
            if (failureRoute is null || _ctx.Routes.Current.Find(failureRoute) is null)
            {
                failureRoute = null;
                TransactionContext.WithRequest(transaction, request => _ctx.Layer.Server.SendLocalReplyLocked(transaction, request, 408, "Request Timeout"));
                using var scope = LogScopeOf(transaction);
                TransactionLog.SuspendTimedOut(_ctx.Logger, transaction.Index, transaction.Label, "408 sent");
            }
            else
            {
                ClientBranches.ConsiderBestLocked(transaction, 408, "Request Timeout", null);
                transaction.RunningRoutes++;
                using var scope = LogScopeOf(transaction);
                TransactionLog.SuspendTimedOut(_ctx.Logger, transaction.Index, transaction.Label, "failure route " + failureRoute);
            }
        }

        if (failureRoute is not null)
        {
            _ctx.PostRoute(transaction, failureRoute, RouteOrigin.Failure);
        }
    }

    /// <summary>
    /// A route that was to run on the transaction cannot (its route vanished in a reload, the stored
    /// request no longer parses): the run is over, and a transaction left without a final gets 500.
    /// </summary>
    public void AbandonRoute(SipTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        lock (transaction.Gate)
        {
            transaction.RunningRoutes--;
            if (!transaction.FinalSent)
            {
                TransactionContext.WithRequest(transaction, request => _ctx.Layer.Server.SendLocalReplyLocked(transaction, request, 500, "Server Internal Error"));
            }
        }
    }

    private bool ResumeFailed(TransactionId id, string route, string reason)
    {
        TransactionLog.ResumeFailed(_ctx.Logger, id.Index.ToString(System.Globalization.CultureInfo.InvariantCulture), id.Label.ToString(System.Globalization.CultureInfo.InvariantCulture), route, reason);
        _ctx.Counters.Increment(SipCounter.ResumeFailures); // after the line: the counter is the signal that both happened
        return false;
    }

    /// <summary>An AsyncRoute timer: resumes the transaction unless something else ended the suspension first.</summary>
    private sealed class PendingResume(SipTransaction transaction, string route, int generation)
    {
        public void Fire()
        {
            var layer = transaction.Layer!.Context;
            lock (transaction.Gate)
            {
                if (transaction.Suspension != SuspendState.Suspended || transaction.Generation != generation)
                {
                    return;
                }

                transaction.SuspendTimer = null; // firing now: nothing to cancel
                layer.EndSuspensionLocked(transaction);
                transaction.RunningRoutes++;
            }

            layer.Counters.Increment(SipCounter.Resumed);
            layer.PostRoute(transaction, route, RouteOrigin.Resumed); // runs after this tick: inline on the ticker if the worker is idle
        }
    }
}
