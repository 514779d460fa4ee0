using System.Collections.Frozen;
using System.Net;
using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Plugins.Permissions;

/// <summary>
/// Named address groups for scripts (Kamailio's permissions module, address table):
/// <c>Plugin&lt;Permissions&gt;().Allowed(Message, "trusted")</c>. The groups are replaced as a whole
/// when the configuration changes, so a check always sees one consistent version.
/// </summary>
public sealed class Permissions
{
    private FrozenDictionary<string, AddressRule[]> _groups;

    internal Permissions(Dictionary<string, AddressRule[]> groups) => _groups = groups.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The configured group names.</summary>
    public IReadOnlyList<string> Groups => Volatile.Read(ref _groups).Keys;

    /// <summary>Entries in a group now.</summary>
    public int Count(string group) => Find(group).Length;

    /// <summary>
    /// True when the source of the current message (<c>Si</c>, <c>Sp</c>, over UDP — the one transport
    /// today) is in <paramref name="group"/> (allow_source_address).
    /// </summary>
    public bool Allowed(RouteGlobals message, string group)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Allowed(message.Si, message.Sp, group);
    }

    /// <summary>True when <paramref name="ip"/>:<paramref name="port"/> over <paramref name="transport"/> is in <paramref name="group"/> (allow_address); false for text that is no IP address.</summary>
    public bool Allowed(string ip, int port, string group, string transport = "udp")
    {
        var rules = Find(group);
        if (!TryParse(ip, out var v6, out var address))
        {
            return false;
        }

        foreach (var rule in rules)
        {
            if (rule.Matches(v6, address, port, transport))
            {
                return true;
            }
        }

        return false;
    }

    internal void Replace(Dictionary<string, AddressRule[]> groups) =>
        Volatile.Write(ref _groups, groups.ToFrozenDictionary(StringComparer.Ordinal));

    private AddressRule[] Find(string group) =>
        Volatile.Read(ref _groups).TryGetValue(group, out var rules)
            ? rules
            : throw new ArgumentException($"no address group '{group}' is configured (Plugins:Permissions:Groups:{group})", nameof(group));

    /// <summary>Dotted IPv4 without allocating (the common case); IPv6 through the framework.</summary>
    private static bool TryParse(string? ip, out bool v6, out UInt128 address)
    {
        v6 = false;
        address = 0;
        if (string.IsNullOrEmpty(ip))
        {
            return false;
        }

        if (ip.Contains(':', StringComparison.Ordinal))
        {
            if (!IPAddress.TryParse(ip, out var parsed))
            {
                return false;
            }

            v6 = true;
            address = AddressRule.ToNumber(parsed);
            return true;
        }

        uint value = 0;
        int part = 0, digits = 0, dots = 0;
        foreach (var c in ip)
        {
            if (c == '.')
            {
                if (digits == 0 || ++dots > 3)
                {
                    return false;
                }

                value = (value << 8) | (uint)part;
                part = digits = 0;
            }
            else if (c is >= '0' and <= '9' && digits < 3)
            {
                part = (part * 10) + (c - '0');
                digits++;
                if (part > 255)
                {
                    return false;
                }
            }
            else
            {
                return false;
            }
        }

        if (dots != 3 || digits == 0)
        {
            return false;
        }

        address = (value << 8) | (uint)part;
        return true;
    }
}
