using Microsoft.Extensions.Logging;
using ScriptedSip.Sdk.Plugins;

namespace ScriptedSip.Plugins.Permissions;

/// <summary>Kamailio's permissions module (address groups) as a plugin; the groups reload when hostsettings.json changes.</summary>
public sealed partial class PermissionsPlugin : IScriptedSipPlugin
{
    public string Name => "Permissions";

    public void Configure(IPluginContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = context.GetOptions<PermissionsOptions>(PermissionsOptions.Validate);
        var permissions = new Permissions(PermissionsOptions.Parse(options).Groups);
        context.Export(permissions);
        context.OnOptionsChanged<PermissionsOptions>(PermissionsOptions.Validate, changed =>
        {
            var groups = PermissionsOptions.Parse(changed).Groups;
            permissions.Replace(groups);
            LogReloaded(context.Logger, groups.Count, groups.Sum(g => g.Value.Length));
        });
    }

    [LoggerMessage(EventId = 7101, Level = LogLevel.Information, Message = "Permissions reloaded: {Groups} group(s), {Entries} entries")]
    private static partial void LogReloaded(ILogger logger, int groups, int entries);
}
