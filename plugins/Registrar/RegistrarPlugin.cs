using ScriptedSip.Sdk.Plugins;

namespace ScriptedSip.Plugins.Registrar;

/// <summary>Kamailio's registrar + usrloc as a plugin: REGISTER handling, the location table, lookups, keep-alive pings to NATed contacts.</summary>
public sealed class RegistrarPlugin : IScriptedSipPlugin
{
    public string Name => "Registrar";

    public void Configure(IPluginContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = context.GetOptions<RegistrarOptions>(RegistrarOptions.Validate);
        ILocationStore store = options.DataPath.Length == 0
            ? new MemoryOnlyStore()
            : new JournalStore(Path.GetFullPath(options.DataPath, context.ContentRoot), options.Fsync, context.Logger);
        var location = new LocationService(store, options, context.Time, context.Logger);
        var serial = new SerialForks(context.Time);
        context.Export(new Registrar(location, options, context.Time, serial));
        context.AddService(new LocationMaintenance(location, serial, options, context.Time));
        if (options.NatPingIntervalSeconds > 0)
        {
            // The pings live here, beside the bindings they read: plugins share only the SDK, so the
            // NatHelper plugin has no way to see this location table.
            context.AddService(new NatPinger(location, options, context.Host, context.Time, context.Logger));
        }
    }
}
