using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using ScriptedSip.Core.Messages;
using ScriptedSip.Core.NoSip;
using ScriptedSip.Core.Plugins;
using ScriptedSip.Core.Routing;
using ScriptedSip.Core.Scheduling;
using ScriptedSip.Core.Stats;
using ScriptedSip.Core.Timers;
using ScriptedSip.Core.Transactions;
using ScriptedSip.Core.Transport;

namespace ScriptedSip.Core.Processing;

/// <summary>What every worker's message processor shares: routes, counters, filters, services, the scheduler.</summary>
public sealed class ProcessingServices : IDisposable
{
    public ProcessingServices(
        IRouteProvider routes,
        SipCounters counters,
        NoSipFilter noSipFilter,
        ProcessingOptions options,
        SipTransportOptions transport,
        SharedVariables sharedVariables,
        TransactionOptions transactionOptions,
        TimeProvider timeProvider,
        PluginExports pluginExports,
        ILoggerFactory loggerFactory,
        IHostNameLookup? hostNames = null,
        Transport.ServerLocation.IServerLocator? serverLocator = null)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(transactionOptions);
        PluginExports = pluginExports;
        Routes = routes;
        Counters = counters;
        NoSipFilter = noSipFilter;
        Options = options;
        SharedVariables = sharedVariables;
        Time = timeProvider;
        MessageLogger = loggerFactory.CreateLogger("ScriptedSip.Message");
        ScriptLogger = loggerFactory.CreateLogger("ScriptedSip.Script");
        Watchdog = new RouteWatchdog(options.RouteBudgetMs, timeProvider, loggerFactory.CreateLogger<RouteWatchdog>(), counters);
        Scheduler = new SipScheduler(transport.EffectiveWorkers, transport.QueueLimit, Watchdog, loggerFactory.CreateLogger<SipScheduler>());
        Transports.AddDomains(transport.Domains);
        // A host-name table (the route test kit's) wins over DNS: a kit test never depends on the network.
        var locator = hostNames is not null ? new Transport.ServerLocation.HostNameLookupLocator(hostNames)
            : serverLocator ?? new Transport.ServerLocation.HostNameLookupLocator(SystemHostNameLookup.Instance);
        Destinations = new DestinationResolver(timeProvider, locator, counters);
        Messages = new MessageServices(Transports, Destinations, (uint)RandomNumberGenerator.GetInt32(int.MaxValue), counters, MessageLogger);
        LooseRouter = new LooseRouter(Transports);
        var wheelLogger = loggerFactory.CreateLogger<TimerWheel>();
        var wheel = new TimerWheel(timeProvider, TimeSpan.FromMilliseconds(transactionOptions.TimerTickMs), 1024, ex => ProcessingLog.TimerCallbackFailed(wheelLogger, ex));
        Scheduler.AttachTimerThread(wheel);
        Transactions = new TransactionLayer(Messages, routes, Scheduler, counters, transactionOptions, wheel, loggerFactory.CreateLogger<TransactionLayer>());
        Scheduler.ExistingTransactions = new RetransmissionProbe(Transactions.Table);
        LocalRequests = new LocalRequests(Messages, wheel, transactionOptions, (uint)RandomNumberGenerator.GetInt32(int.MaxValue));
        Runner = new RouteRunner(this);
        Transactions.AttachRoutes(Runner);
    }

    public TransactionLayer Transactions { get; }

    public PluginExports PluginExports { get; }

    /// <summary>Requests the server sends on its own behalf (plugins' health probes).</summary>
    public LocalRequests LocalRequests { get; }

    /// <summary>New INVITEs refused while overloaded, ACKs of stateless replies absorbed (after the transaction layer).</summary>
    public Overload.OverloadGate Overload { get; } = new();

    /// <summary>The plugins' filters every request passes before the transaction layer.</summary>
    public RequestFilters RequestFilters { get; } = new();

    public RouteRunner Runner { get; }

    public IRouteProvider Routes { get; }

    public SipCounters Counters { get; }

    public NoSipFilter NoSipFilter { get; }

    public ProcessingOptions Options { get; }

    public SharedVariables SharedVariables { get; }

    public TimeProvider Time { get; }

    /// <summary>The transports (listeners) of this process.</summary>
    public TransportSet Transports { get; } = new();

    public MessageServices Messages { get; }

    public LooseRouter LooseRouter { get; }

    public ILogger MessageLogger { get; }

    public ILogger ScriptLogger { get; }

    public RouteWatchdog Watchdog { get; }

    /// <summary>The workers every route runs on.</summary>
    public SipScheduler Scheduler { get; }

    public DestinationResolver Destinations { get; }

    /// <summary>Starts the workers (one message processor each) and the watchdog.</summary>
    public void Start()
    {
        Scheduler.Start(() => new MessageProcessor(this));
        Watchdog.Start();
    }

    /// <summary>
    /// Starts the workers in inline mode (<see cref="SipScheduler.StartInline"/>): turns run on the
    /// thread that delivers a message or calls <see cref="SipScheduler.RunUntilIdle"/>. The route
    /// test kit runs the server this way; the server itself never does.
    /// </summary>
    public void StartInline()
    {
        Scheduler.StartInline(() => new MessageProcessor(this));
        Watchdog.Start();
    }

    /// <summary>Lets the workers finish their queues and stops the watchdog.</summary>
    public void Stop(TimeSpan timeout)
    {
        Scheduler.Stop(timeout);
        Watchdog.Stop();
    }

    public void Dispose()
    {
        Scheduler.Dispose();
        Watchdog.Dispose();
        Transactions.Dispose();
    }
}
