using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Hosting;

namespace ScriptedSip.Host.Configuration;

/// <summary>
/// Top-level names that are no section of ours: <c>--Spi:Workers=4</c> would otherwise bind to
/// nothing, silently. Only the command line and hostsettings.json are checked: environment
/// variables hold everything else on the machine as well (PATH, HOME, …).
/// </summary>
internal static class UnknownSections
{
    /// <summary>Keys the generic host itself reads from the command line.</summary>
    private static readonly string[] HostKeys =
    [
        HostDefaults.ContentRootKey,
        HostDefaults.EnvironmentKey,
        HostDefaults.ApplicationKey,
        "hostBuilder",
    ];

    public static void Check(IConfiguration configuration, List<string> problems)
    {
        if (configuration is not IConfigurationRoot root)
        {
            return;
        }

        var reported = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var provider in root.Providers)
        {
            var allowed = provider switch
            {
                CommandLineConfigurationProvider => HostSettingsLoader.Sections.Concat(HostKeys).ToList(),
                JsonConfigurationProvider json when json.Source.Path == ScriptedSipApplication.SettingsFile => [.. HostSettingsLoader.Sections],
                _ => null,
            };
            if (allowed is null)
            {
                continue;
            }

            foreach (var name in provider.GetChildKeys([], parentPath: null).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                if (allowed.Contains(name, StringComparer.OrdinalIgnoreCase) || !reported.Add(name))
                {
                    continue;
                }

                var closest = ClosestName.Find(name, HostSettingsLoader.Sections);
                problems.Add(closest is null
                    ? $"{name}: unknown section (sections: {string.Join(", ", HostSettingsLoader.Sections)})"
                    : $"{name}: unknown section (did you mean {closest}?)");
            }
        }
    }
}
