using ScriptedSip.Core.Messages;
using ScriptedSip.Core.Parsing;
using ScriptedSip.Core.Routing;
using ScriptedSip.Core.Scheduling;
using ScriptedSip.Core.Stats;
using ScriptedSip.Core.Transactions;
using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Core.Processing;

/// <summary>
/// Runs a route on a context and applies the end-of-route rules, whether the route completes at
/// once (the common case: no thread switch, no allocation beyond the script's own) or awaits.
/// Every run is timed by the watchdog clock of the worker it runs on.
/// </summary>
public sealed class RouteRunner : ITransactionRoutes
{
    private readonly ProcessingServices _services;

    public RouteRunner(ProcessingServices services) => _services = services;

    /// <summary>Starts the route. True when it completed synchronously (everything is finished then).</summary>
    public bool Run(MessageContext context, RouteEntry entry, string routeName)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(entry);
        var task = Start(context, entry, routeName);
        if (task.IsCompleted)
        {
            Finish(context, routeName, task);
            return true;
        }

        // The route awaits something. The context keeps its buffers (the worker takes fresh ones);
        // a request gets a transaction that is held like a suspended one (100 Trying,
        // retransmissions absorbed, fr timeout) while the worker goes on. The continuation comes
        // back to this worker through its synchronization context.
        context.TakeOwnershipOfBuffers();
        _services.Transactions.BeginAwait(context.Inbound);
        context.Inbound.Hibernate();
        _ = FinishLaterAsync(context, routeName, task);
        return false;
    }

    /// <summary>Runs a route that must not await (reply routes): if it does, it is reported and not waited for.</summary>
    public void RunSynchronously(MessageContext context, RouteEntry entry, string routeName)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(entry);
        var task = Start(context, entry, routeName);
        if (!task.IsCompleted)
        {
            context.Inbound.MarkLeftRunning(); // its continuation may still touch the message: not to be reused
            task = Task.FromException<object?>(new InvalidOperationException($"route {routeName} awaited something; reply routes must complete without awaiting"));
        }

        Finish(context, routeName, task);
    }

    public bool RunReplyRoutes(InboundMessage reply, string? onReplyRoute)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var routes = reply.Routes;
        MessageContext? context = null; // only when a route runs: most deployments have no reply route
        if (routes.ReplyRoute is { } replyRoute)
        {
            context = new MessageContext(_services, reply);
            RunSynchronously(context, replyRoute, RouteNames.Reply);
            if (reply.Dropped)
            {
                return false;
            }
        }

        if (onReplyRoute is not null && routes.Find(onReplyRoute) is { } onReply)
        {
            RunSynchronously(context ?? new MessageContext(_services, reply), onReply, onReplyRoute);
        }

        return !reply.Dropped;
    }

    public void RunOnTransaction(SipTransaction transaction, string route, RouteOrigin origin)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var context = MessageContext.ForTransaction(_services, transaction, origin);
        var entry = context.Routes.Find(route);
        if (entry is null || context.Buffers.Message.Status != SipParseStatus.Ok)
        {
            context.ReleaseBuffers();
            _services.Transactions.AbandonRoute(transaction);
            return;
        }

        if (Run(context, entry, route))
        {
            context.ReleaseBuffers();
        }
    }

    private static Task<object?> Start(MessageContext context, RouteEntry entry, string routeName)
    {
        var clock = SipScheduler.CurrentClock;
        clock?.Begin(routeName, context);
        try
        {
            return entry(context);
        }
#pragma warning disable CA1031 // a script's failure is reported, never allowed to stop the worker
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return Task.FromException<object?>(ex);
        }
        finally
        {
            clock?.End();
        }
    }

    private async Task FinishLaterAsync(MessageContext context, string routeName, Task<object?> task)
    {
        try
        {
            // Continue on the worker's synchronization context: the end-of-route rules run in the call's turn.
            await task.ConfigureAwait(true);
        }
#pragma warning disable CA1031 // observed in Finish
        catch (Exception)
#pragma warning restore CA1031
        {
        }

        try
        {
            _services.Transactions.EndAwait(context.Inbound);
            Finish(context, routeName, task);
        }
        finally
        {
            context.ReleaseBuffers();
        }
    }

    private void Finish(MessageContext context, string routeName, Task<object?> task)
    {
        var failed = task.IsFaulted ? task.Exception!.InnerException ?? task.Exception : null;
        if (failed is RouteExitException)
        {
            failed = null;
        }

        if (failed is not null)
        {
            _services.Counters.Increment(context.Kind == RouteKind.Event ? SipCounter.NoSipRouteErrors : SipCounter.ScriptErrors);
            ProcessingLog.ScriptError(_services.ScriptLogger, context.LogTag, routeName, ScriptErrorFormatter.Location(failed), failed.Message, failed);
        }
        else if (context.Kind == RouteKind.Event)
        {
            _services.Counters.Increment(SipCounter.NoSipRouted);
        }

        if (context.Kind is RouteKind.Request or RouteKind.Failure)
        {
            _services.Transactions.EndOfRoute(context.Inbound, failed is not null);
        }
    }
}
