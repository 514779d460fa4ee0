using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScriptedSip.Core.NoSip;
using ScriptedSip.Core.Processing;
using ScriptedSip.Core.Routing;
using ScriptedSip.Core.Stats;
using ScriptedSip.Host.Configuration;
using ScriptedSip.Scripting;

namespace ScriptedSip.Host;

internal static class ServiceCollectionExtensions
{
    /// <param name="checkOnly"><c>--check</c>: the caller prints plugin errors itself, so they are not logged as well.</param>
    public static IServiceCollection AddScriptedSipScripting(this IServiceCollection services, HostSettings settings, bool checkOnly)
    {
        services.AddSingleton(settings.Scripts);
        services.AddSingleton(_ => ScriptReferenceSet.CreateDefault());
        services.AddSingleton(sp => new CompiledScriptCache(settings.Scripts.CachePath, sp.GetService<Microsoft.Extensions.Logging.ILogger<CompiledScriptCache>>()));
        var noSipRoute = RouteNames.Normalize(settings.NoSip.EventRoute);
        services.AddSingleton(sp => new RouteSetLoader(
            sp.GetRequiredService<CompiledScriptCache>(),
            name => name == noSipRoute ? Sdk.Scripting.RouteKind.Event : RouteSetLoader.DefaultKind(name),
            settings.Scripts.CompileInChildProcess && !checkOnly
                ? Compiling.ChildProcessCompiler.ForThisProcess(sp.GetRequiredService<ILogger<RouteSetLoader>>())
                : null));
        services.AddSingleton(sp => new ScriptRuntime(
            sp.GetRequiredService<RouteSetLoader>(),
            sp.GetRequiredService<ScriptReferenceSet>(),
            settings.Scripts.Path,
            sp.GetRequiredService<ILogger<ScriptRuntime>>()));
        services.AddSingleton<IRouteProvider>(sp => sp.GetRequiredService<ScriptRuntime>());
        services.AddSingleton<Sdk.Plugins.ISipHost>(sp => new Plugins.SipHostApi(sp.GetRequiredService<ProcessingServices>()));
        services.AddSingleton(sp => new Plugins.PluginCatalog(
            settings.Plugins,
            sp.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Sdk.Plugins.ISipHost>(),
            sp.GetRequiredService<Core.Plugins.PluginExports>(),
            sp.GetRequiredService<ProcessingServices>().RequestFilters,
            sp.GetRequiredService<ScriptRuntime>(),
            sp.GetRequiredService<ScriptReferenceSet>(),
            settings.ContentRoot,
            callerReportsErrors: checkOnly));
        services.AddHostedService<ScriptReloadService>();
        return services;
    }

    public static IServiceCollection AddScriptedSipServer(this IServiceCollection services, HostSettings settings)
    {
        services.AddSingleton(settings.NoSip);
        services.AddSingleton(settings.Processing);
        services.AddSingleton(settings.Sip);
        services.AddSingleton(settings.Transactions);
        services.AddSingleton(_ => new NoSipFilter(settings.NoSip));
        services.AddSingleton<SharedVariables>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<Core.Transport.ServerLocation.IServerLocator>(_ =>
            new Core.Transport.ServerLocation.DnsServerLocator(settings.DnsServers, TimeSpan.FromMilliseconds(settings.Dns.TimeoutMs)));
        services.AddSingleton<Core.Plugins.PluginExports>();
        services.AddSingleton<ProcessingServices>();
        // One meter per server, disposed with the container that owns the server.
        services.AddSingleton(sp => new SipMetrics(sp.GetRequiredService<SipCounters>(), sp.GetRequiredService<ProcessingServices>().Transactions));
        services.AddSingleton<SipServer>();
        services.AddHostedService(sp => sp.GetRequiredService<SipServer>());
        services.AddSingleton(sp => new Management.ManagementServer(
            settings,
            sp.GetRequiredService<SipServer>(),
            sp.GetRequiredService<ScriptRuntime>(),
            sp.GetRequiredService<Plugins.PluginCatalog>(),
            sp.GetRequiredService<ProcessingServices>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>()));
        services.AddHostedService(sp => sp.GetRequiredService<Management.ManagementServer>());

        // Registered last: it reports what the services before it have started.
        services.AddHostedService<StartupBanner>();
        return services;
    }
}
