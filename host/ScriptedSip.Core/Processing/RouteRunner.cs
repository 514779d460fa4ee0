using ScriptedSip.Core.Routing;
using ScriptedSip.Core.Stats;
using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Core.Processing;

/// <summary>
/// Runs a route on a context and applies the end-of-route rules, whether the route completes at
/// once (the common case: no thread switch, no allocation beyond the script's own) or awaits.
/// </summary>
public sealed class RouteRunner
{
    private readonly ProcessingServices _services;

    public RouteRunner(ProcessingServices services) => _services = services;

    /// <summary>Starts the route. True when it completed synchronously (everything is finished then).</summary>
    public bool Run(MessageContext context, RouteEntry entry, string routeName, RouteClock? clock)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(entry);
        Task<object?> task;
        clock?.Begin(routeName, context);
        try
        {
            task = entry(context);
        }
#pragma warning disable CA1031 // a script's failure is reported, never allowed to stop the worker
        catch (Exception ex)
#pragma warning restore CA1031
        {
            task = Task.FromException<object?>(ex);
        }
        finally
        {
            clock?.End();
        }

        if (task.IsCompleted)
        {
            Finish(context, routeName, task);
            return true;
        }

        // The route awaits something. The context keeps its buffers (the worker takes fresh ones);
        // a request gets a transaction that is held like a suspended one (100 Trying,
        // retransmissions absorbed, fr timeout) while the worker goes on.
        context.TakeOwnershipOfBuffers();
        _services.Transactions.BeginAwait(context);
        _ = FinishLaterAsync(context, routeName, task);
        return false;
    }

    /// <summary>Runs a route that must not await (reply routes): if it does, it is reported and not waited for.</summary>
    public void RunSynchronously(MessageContext context, RouteEntry entry, string routeName)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(entry);
        Task<object?> task;
        try
        {
            task = entry(context);
        }
#pragma warning disable CA1031 // reported below like any script failure
        catch (Exception ex)
#pragma warning restore CA1031
        {
            task = Task.FromException<object?>(ex);
        }

        if (!task.IsCompleted)
        {
            task = Task.FromException<object?>(new InvalidOperationException($"route {routeName} awaited something; reply routes must complete without awaiting"));
        }

        Finish(context, routeName, task);
    }

    private async Task FinishLaterAsync(MessageContext context, string routeName, Task<object?> task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // observed in Finish
        catch (Exception)
#pragma warning restore CA1031
        {
        }

        try
        {
            _services.Transactions.EndAwait(context);
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
            _services.Transactions.EndOfRoute(context, failed is not null);
        }
    }
}
