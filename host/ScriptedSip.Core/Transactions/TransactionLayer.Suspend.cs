using ScriptedSip.Core.Messages;
using ScriptedSip.Core.Parsing;
using ScriptedSip.Core.Routing;
using ScriptedSip.Core.Stats;
using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Core.Transactions;

/// <summary>
/// Suspend and resume (Kamailio's t_suspend / t_continue / async_route, plus awaiting scripts).
/// A suspended transaction always ends: resumed once, cancelled, timed out (408 or the failure
/// route), or answered 503 at shutdown.
/// </summary>
public sealed partial class TransactionLayer
{
    public const int MinAsyncSeconds = 1;
    public const int MaxAsyncSeconds = 100;

    /// <summary>t_suspend. False (logged) after a final reply, for ACK, or when MaxSuspended are suspended.</summary>
    public bool Suspend(InboundMessage context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!TrySuspend(context, out var transaction, out var reason))
        {
            TransactionLog.SuspendFailed(_logger, context.LogTag, reason);
            return false;
        }

        lock (transaction!.Gate)
        {
            transaction.SuspendTimer = Wheel.Schedule(
                TimeSpan.FromMilliseconds(_options.FrTimerMs),
                static s => ((SipTransaction)s!).Layer!.OnSuspendTimeout((SipTransaction)s!),
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
            TransactionLog.AsyncFailed(_logger, context.LogTag, "AsyncRoute", $"seconds must be {MinAsyncSeconds}..{MaxAsyncSeconds}, not {seconds}");
            return false;
        }

        if (context.Routes.Find(route) is null)
        {
            TransactionLog.AsyncFailed(_logger, context.LogTag, "AsyncRoute", $"no route {route} is loaded");
            return false;
        }

        if (!TrySuspend(context, out var transaction, out var reason))
        {
            TransactionLog.AsyncFailed(_logger, context.LogTag, "AsyncRoute", reason);
            return false;
        }

        lock (transaction!.Gate)
        {
            var pending = new PendingResume(transaction, route, transaction.Generation);
            transaction.SuspendTimer = Wheel.Schedule(TimeSpan.FromSeconds(seconds), static s => ((PendingResume)s!).Fire(), pending);
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
        Wheel.Schedule(TimeSpan.FromSeconds(seconds), static s => ((TaskCompletionSource)s!).TrySetResult(), completion);
        return completion.Task;
    }

    /// <summary>t_continue: resumes a suspended transaction in the named route of the scripts loaded now, exactly once.</summary>
    public bool Continue(TransactionId id, string route)
    {
        ArgumentNullException.ThrowIfNull(route);
        var transaction = Table.Find(id);
        if (transaction is null)
        {
            return ResumeFailed(id, route, "no such transaction (unknown index or wrong label, or it already ended)");
        }

        if (_routes.Current.Find(route) is null)
        {
            return ResumeFailed(id, route, $"no route {route} is loaded");
        }

        lock (transaction.Gate)
        {
            if (transaction.Suspension != SuspendState.Suspended)
            {
                return ResumeFailed(id, route, "the transaction is not suspended (already resumed, cancelled, timed out or answered)");
            }

            EndSuspensionLocked(transaction);
            transaction.RunningRoutes++;
        }

        Counters.Increment(SipCounter.Resumed);
        PostRoute(transaction, route, RouteOrigin.Resumed);
        return true;
    }

    /// <summary>TContinue with ids as text straight from a packet: garbage → false and one warning.</summary>
    public bool Continue(string? index, string? label, string route)
    {
        if (!TransactionId.TryParse(index, label, out var id))
        {
            Counters.Increment(SipCounter.ResumeFailures);
            TransactionLog.ResumeFailed(_logger, index ?? "null", label ?? "null", route, "the ids are not unsigned 32-bit numbers");
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

            transaction = Ensure(context);
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

            if (SuspendedNow >= _options.MaxSuspended)
            {
                transaction.Generation++; // the script goes on, but its actions will be ignored
                SendLocalReplyLocked(transaction, context.Message, 503, "Service Unavailable");
                return;
            }

            EnterSuspensionLocked(transaction, context.Message, SuspendState.Awaiting);
            transaction.SuspendTimer = Wheel.Schedule(
                TimeSpan.FromMilliseconds(_options.FrTimerMs),
                static s => ((SipTransaction)s!).Layer!.OnSuspendTimeout((SipTransaction)s!),
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
                EndSuspensionLocked(transaction);
                Counters.Increment(SipCounter.Resumed);
            }
        }
    }

    /// <summary>
    /// End-of-route rules for requests. A route that failed gets 500 (unless answered). A route that
    /// ran on a transaction it must settle (resumed, failure, or held by an await) and left it without
    /// reply, relay or new suspension: resumed → 500, failure → the best reply goes upstream.
    /// </summary>
    public void EndOfRoute(InboundMessage context, bool failed)
    {
        ArgumentNullException.ThrowIfNull(context);
        var transaction = context.Transaction;
        if (context.IsStale)
        {
            return;
        }

        if (transaction is null)
        {
            if (failed && context.Kind == RouteKind.Request && !context.Replied && !context.Forwarded)
            {
                _messages.Replier.Reply(context, 500, "Server Internal Error", default);
            }

            return;
        }

        var origin = context.Origin;
        lock (transaction.Gate)
        {
            if (origin != RouteOrigin.Received)
            {
                transaction.RunningRoutes--;
            }

            // A route that suspended the transaction has handed it over (to TContinue, a timer, a
            // timeout); one that runs on it now (a resume that overtook this route's end) settles it.
            if (context.DidSuspend || transaction.RunningRoutes > 0
                || transaction.FinalSent || transaction.State == ServerState.Terminated || transaction.Suspension != SuspendState.None)
            {
                return;
            }

            var pendingBranches = transaction.Branches.Exists(b => !b.Completed);
            if (failed)
            {
                SendLocalReplyLocked(transaction, context.Message, 500, "Server Internal Error");
                return;
            }

            if (pendingBranches)
            {
                return; // a relay is under way: its replies decide
            }

            if (origin == RouteOrigin.Failure)
            {
                SendBestLocked(transaction);
            }
            else if (context.Replied && origin == RouteOrigin.Received)
            {
                ScheduleDelete(transaction, WaitTime); // answered statelessly: nothing left to do but absorb retransmissions
            }
            else
            {
                // Every transaction ends: one left without reply, relay or suspension is answered here.
                SendLocalReplyLocked(transaction, context.Message, 500, "Server Internal Error");
            }
        }
    }

    private bool TrySuspend(InboundMessage context, out SipTransaction? transaction, out string reason)
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

        transaction = Ensure(context);
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

            if (SuspendedNow >= _options.MaxSuspended)
            {
                reason = $"Transactions:MaxSuspended ({_options.MaxSuspended}) transactions are suspended";
                return false;
            }

            if (transaction.Suspension == SuspendState.Awaiting)
            {
                EndSuspensionLocked(transaction); // an awaiting route suspends explicitly: the explicit state wins
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
        Interlocked.Increment(ref _suspendedNow);
        Counters.Increment(SipCounter.Suspended);
        if (transaction.IsInvite && transaction.LastStatus == 0)
        {
            SendLocalReplyLocked(transaction, request, 100, "Trying");
        }
    }

    /// <summary>Not resumed within the fr timer: 408 upstream, or the failure route if one was armed.</summary>
    private void OnSuspendTimeout(SipTransaction transaction)
    {
        string? failureRoute;
        lock (transaction.Gate)
        {
            if (transaction.Suspension == SuspendState.None || transaction.FinalSent)
            {
                return;
            }

            EndSuspensionLocked(transaction);
            transaction.Generation++; // whoever still holds this transaction in a script is now stale
            Counters.Increment(SipCounter.SuspendTimeouts);
            failureRoute = transaction.FailureRoute;
            transaction.FailureRoute = null;
            if (failureRoute is null || _routes.Current.Find(failureRoute) is null)
            {
                failureRoute = null;
                WithRequest(transaction, request => SendLocalReplyLocked(transaction, request, 408, "Request Timeout"));
                TransactionLog.SuspendTimedOut(_logger, transaction.Index, transaction.Label, "408 sent");
            }
            else
            {
                ConsiderBestLocked(transaction, 408, "Request Timeout", null);
                transaction.RunningRoutes++;
                TransactionLog.SuspendTimedOut(_logger, transaction.Index, transaction.Label, "failure route " + failureRoute);
            }
        }

        if (failureRoute is not null)
        {
            PostRoute(transaction, failureRoute, RouteOrigin.Failure);
        }
    }

    /// <summary>Queues a route run on the transaction to the worker that owns its call (per-call order holds across resumes).</summary>
    private void PostRoute(SipTransaction transaction, string route, RouteOrigin origin) =>
        _scheduler.Post(transaction.CallHash, static s => ((PostedRoute)s!).Run(), new PostedRoute(this, transaction, route, origin));

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
                WithRequest(transaction, request => SendLocalReplyLocked(transaction, request, 500, "Server Internal Error"));
            }
        }
    }

    private bool ResumeFailed(TransactionId id, string route, string reason)
    {
        Counters.Increment(SipCounter.ResumeFailures);
        TransactionLog.ResumeFailed(_logger, id.Index.ToString(System.Globalization.CultureInfo.InvariantCulture), id.Label.ToString(System.Globalization.CultureInfo.InvariantCulture), route, reason);
        return false;
    }

    /// <summary>An AsyncRoute timer: resumes the transaction unless something else ended the suspension first.</summary>
    private sealed class PendingResume(SipTransaction transaction, string route, int generation)
    {
        public void Fire()
        {
            var layer = transaction.Layer!;
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
            layer.PostRoute(transaction, route, RouteOrigin.Resumed); // the timer thread never runs a route
        }
    }

    private sealed class PostedRoute(TransactionLayer layer, SipTransaction transaction, string route, RouteOrigin origin)
    {
        public void Run()
        {
            try
            {
                layer.RouteRunner.RunOnTransaction(transaction, route, origin);
            }
#pragma warning disable CA1031 // a route run must never take the worker down
            catch (Exception ex)
#pragma warning restore CA1031
            {
                TransactionLog.Unexpected(layer._logger, $"{transaction.Index}:{transaction.Label}", ex);
            }
        }
    }
}
