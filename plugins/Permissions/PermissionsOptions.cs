namespace ScriptedSip.Plugins.Permissions;

/// <summary><c>Plugins:Permissions</c> in hostsettings.json.</summary>
public sealed class PermissionsOptions
{
    /// <summary>Address groups by name: each a list of <c>[udp:|tcp:|tls:]ADDRESS[/BITS][:PORT]</c> entries.</summary>
    public Dictionary<string, List<string>> Groups { get; set; } = [];

    /// <summary>Parses every entry: the rules by group, and one problem line per bad entry naming it.</summary>
    internal static (Dictionary<string, AddressRule[]> Groups, List<string> Problems) Parse(PermissionsOptions options)
    {
        var groups = new Dictionary<string, AddressRule[]>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var (name, entries) in options.Groups)
        {
            var rules = new List<AddressRule>();
            for (var i = 0; i < entries.Count; i++)
            {
                if (AddressRule.TryParse(entries[i], out var rule, out var error))
                {
                    rules.Add(rule!);
                }
                else
                {
                    problems.Add($"Groups:{name}:{i}: {error}");
                }
            }

            groups[name] = [.. rules];
        }

        return (groups, problems);
    }

    internal static IEnumerable<string> Validate(PermissionsOptions options) => Parse(options).Problems;
}
