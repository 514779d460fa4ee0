using ScriptedSip.Sdk.Plugins;

namespace ScriptedSip.Plugins.Htable;

/// <summary>Kamailio's htable module as a plugin: named shared tables for scripts.</summary>
public sealed class HtablePlugin : IScriptedSipPlugin
{
    public string Name => "Htable";

    public void Configure(IPluginContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = context.GetOptions<HtableOptions>(HtableOptions.Validate);
        var tables = new Htable(options, context.Time);
        context.Export(tables);
        HtableRpc.AddTo(context, tables);
        context.AddService(new ExpirySweeper(tables, context.Time, context.Host, context.Logger) { Interval = TimeSpan.FromMilliseconds(options.SweepIntervalMs) });
    }
}
