using ScriptedSip.Sdk.Plugins;

namespace ScriptedSip.Plugins.Pike;

/// <summary>
/// Kamailio's pike (flood detection per source address, applied before any route) and pipelimit
/// (token buckets for scripts) as a plugin.
/// </summary>
public sealed class PikePlugin : IScriptedSipPlugin
{
    public string Name => "Pike";

    public void Configure(IPluginContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = context.GetOptions<PikeOptions>(PikeOptions.Validate);
        PikeFilter? filter = null;
        if (options.Enabled)
        {
            filter = new PikeFilter(options, context.Time, context.Host, context.Logger);
            context.AddRequestFilter(filter);
        }

        context.Export(new Pike(filter));
        context.Export(new RateLimit(context.Time, options.RateLimitKeys));
    }
}
