using Microsoft.Extensions.Logging;
using ScriptedSip.Sdk.Plugins;

namespace ScriptedSip.Plugins.Dispatcher;

/// <summary>
/// Kamailio's dispatcher as a plugin: destination sets from hostsettings.json and a list file, the
/// selection algorithms for scripts, OPTIONS health probing with dst_down / dst_up event routes.
/// The sets reload when the list file or the plugin's section of hostsettings.json changes; a load
/// with any problem is refused whole and the sets in use keep serving.
/// </summary>
public sealed partial class DispatcherPlugin : IScriptedSipPlugin
{
    private readonly Lock _reloadLock = new();

    public string Name => "Dispatcher";

    public void Configure(IPluginContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var root = context.ContentRoot;

        // A bad set refuses the plugin's load with every problem named (key or file line).
        var options = context.GetOptions<DispatcherOptions>(o => DispatcherOptions.Validate(o, root));
        var dispatcher = new Dispatcher(options.FailoverSlots, context.Host, context.Logger);
        var listFile = options.ListFilePath(root);
        var (sets, _) = SetLoader.Load(options, listFile);
        dispatcher.Install(sets);
        LogLoaded(context.Logger, sets.Count, sets.Values.Sum(s => s.Destinations.Length));
        context.Export(dispatcher);

        var current = options;
        IReadOnlyList<string> Reload(DispatcherOptions with)
        {
            lock (_reloadLock)
            {
                var (next, errors) = SetLoader.Load(with, with.ListFilePath(root));
                if (errors.Count > 0)
                {
                    LogReloadRefused(context.Logger, string.Join("; ", errors));
                    return errors;
                }

                dispatcher.Install(next);
                current = with;
                LogLoaded(context.Logger, next.Count, next.Values.Sum(s => s.Destinations.Length));
                return [];
            }
        }

        dispatcher.Reloader = () => Reload(current);
        // Problems of a changed section are logged by the host (the previous sets keep serving); the
        // sets are checked again inside Reload, which also serves the list file's changes.
        context.OnOptionsChanged<DispatcherOptions>(o => DispatcherOptions.Validate(o, root), o => Reload(o));
        if (listFile is not null)
        {
            context.AddService(new ListFileWatcher(listFile, () => Reload(current), context.Time));
        }

        DispatcherRpc.AddTo(context, dispatcher, options.ProbeIntervalSeconds > 0);
        if (options.ProbeIntervalSeconds > 0)
        {
            dispatcher.ProbingEnabled = true;
            context.AddService(new HealthProber(dispatcher, options, context.Host, context.Time, context.Logger));
        }
    }

    [LoggerMessage(EventId = 7221, Level = LogLevel.Information, Message = "Dispatcher sets loaded: {Sets} set(s), {Destinations} destination(s)")]
    private static partial void LogLoaded(ILogger logger, int sets, int destinations);

    [LoggerMessage(EventId = 7222, Level = LogLevel.Error, Message = "Dispatcher sets not reloaded: {Problems}; the previous sets keep serving")]
    private static partial void LogReloadRefused(ILogger logger, string problems);
}
