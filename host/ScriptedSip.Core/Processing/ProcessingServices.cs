using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using ScriptedSip.Core.NoSip;
using ScriptedSip.Core.Plugins;
using ScriptedSip.Core.Routing;
using ScriptedSip.Core.Stats;
using ScriptedSip.Core.Timers;
using ScriptedSip.Core.Transactions;

namespace ScriptedSip.Core.Processing;

/// <summary>What every worker's message processor shares: routes, counters, filters, loggers.</summary>
public sealed class ProcessingServices
{
    public ProcessingServices(
        IRouteProvider routes,
        SipCounters counters,
        NoSipFilter noSipFilter,
        ProcessingOptions options,
        SharedVariables sharedVariables,
        TransactionOptions transactionOptions,
        TimeProvider timeProvider,
        PluginExports pluginExports,
        ILoggerFactory loggerFactory)
    {
        PluginExports = pluginExports;
        ArgumentNullException.ThrowIfNull(loggerFactory);
        Routes = routes;
        Counters = counters;
        NoSipFilter = noSipFilter;
        Options = options;
        SharedVariables = sharedVariables;
        MessageLogger = loggerFactory.CreateLogger("ScriptedSip.Message");
        ScriptLogger = loggerFactory.CreateLogger("ScriptedSip.Script");
        Watchdog = new RouteWatchdog(options, loggerFactory.CreateLogger<RouteWatchdog>());
        Destinations = new DestinationResolver();
        TagSecret = (uint)RandomNumberGenerator.GetInt32(int.MaxValue);
        var wheelLogger = loggerFactory.CreateLogger<TimerWheel>();
        var wheel = new TimerWheel(timeProvider, TimeSpan.FromMilliseconds(transactionOptions.TimerTickMs), 1024, ex => ProcessingLog.TimerCallbackFailed(wheelLogger, ex));
        Transactions = new TransactionLayer(this, transactionOptions, wheel, loggerFactory.CreateLogger<TransactionLayer>());
        Runner = new RouteRunner(this);
    }

    public TransactionLayer Transactions { get; }

    public PluginExports PluginExports { get; }

    public RouteRunner Runner { get; }

    public IRouteProvider Routes { get; }

    public SipCounters Counters { get; }

    public NoSipFilter NoSipFilter { get; }

    public ProcessingOptions Options { get; }

    public SharedVariables SharedVariables { get; }

    public ListenerSet Listeners { get; } = new();

    public ILogger MessageLogger { get; }

    public ILogger ScriptLogger { get; }

    public RouteWatchdog Watchdog { get; }

    public DestinationResolver Destinations { get; }

    /// <summary>Mixed into stateless To-tags so they differ between processes but stay stable for retransmissions.</summary>
    public uint TagSecret { get; }
}
