using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace ScriptedSip.Host.Configuration;

/// <summary>
/// Binds one configuration section onto an options object, strictly. The framework binder skips
/// keys that match no property (so <c>--Sip:Wrokers=4</c> did nothing, silently) and reports a bad
/// value as "Failed to convert configuration value … to type 'System.Int32'"; here every such key is
/// one problem line in the documented form <c>Section:Key: reason</c>. Options are flat: properties
/// of type int, bool, string, an enum, or a list of strings (written <c>Key:0</c>, <c>Key:1</c>, …).
/// </summary>
internal static class SectionBinder
{
    /// <param name="isOwnedElsewhere">
    /// Children of the section that belong to someone else and are left alone
    /// (<c>Plugins:NAME:…</c> is checked by the plugin NAME).
    /// </param>
    /// <param name="unknownKeyHint">Said of an unknown key when no known key is close to it.</param>
    public static T Bind<T>(
        IConfiguration configuration,
        string section,
        List<string> problems,
        Func<IConfigurationSection, bool>? isOwnedElsewhere = null,
        string? unknownKeyHint = null)
        where T : new()
    {
        var options = new T();
        var properties = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => (p.CanWrite && p.SetMethod!.IsPublic) || p.PropertyType == typeof(IList<string>))
            .ToList();
        foreach (var child in configuration.GetSection(section).GetChildren())
        {
            var path = $"{section}:{child.Key}";
            var property = properties.FirstOrDefault(p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase));
            if (property is null)
            {
                if (isOwnedElsewhere?.Invoke(child) != true)
                {
                    problems.Add(UnknownKey(path, section, properties.Select(p => p.Name), unknownKeyHint));
                }

                continue;
            }

            path = $"{section}:{property.Name}";
            if (property.PropertyType == typeof(IList<string>))
            {
                BindList(child, path, (IList<string>)property.GetValue(options)!, problems);
                continue;
            }

            foreach (var nested in child.GetChildren())
            {
                problems.Add(UnknownKey($"{path}:{nested.Key}", path, [], null));
            }

            if (child.Value is null)
            {
                continue; // an empty JSON object or null: the default stays
            }

            if (TryConvert(child.Value, property.PropertyType, out var value, out var reason))
            {
                property.SetValue(options, value);
            }
            else
            {
                problems.Add($"{path}: {reason}");
            }
        }

        return options;
    }

    /// <summary><c>Section:Key: unknown key (did you mean Section:Other?)</c>.</summary>
    public static string UnknownKey(string path, string parent, IEnumerable<string> known, string? hint)
    {
        var typed = path[(path.LastIndexOf(':') + 1)..];
        var closest = ClosestName.Find(typed, known);
        return closest is not null
            ? $"{path}: unknown key (did you mean {parent}:{closest}?)"
            : $"{path}: unknown key{(hint is null ? string.Empty : " (" + hint + ")")}";
    }

    /// <summary>
    /// A list is written as indexed keys. A plain value on the list's own key would be dropped by the
    /// binder, so it is an error that says how to write it.
    /// </summary>
    private static void BindList(IConfigurationSection section, string path, IList<string> list, List<string> problems)
    {
        if (!string.IsNullOrEmpty(section.Value))
        {
            problems.Add($"{path}: '{section.Value}' is a single value but {path} is a list: write {path}:0={section.Value}");
            return;
        }

        var items = new List<string>();
        foreach (var item in section.GetChildren())
        {
            if (!int.TryParse(item.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _) || item.GetChildren().Any())
            {
                problems.Add($"{path}:{item.Key}: unknown key (list entries are {path}:0, {path}:1, …)");
            }
            else if (item.Value is not null)
            {
                items.Add(item.Value);
            }
        }

        // A list that is written replaces the default, also when it is written empty
        // ("Urls": [] or --Management:Urls=): that is how a list with a default is turned off.
        list.Clear();
        foreach (var item in items)
        {
            list.Add(item);
        }
    }

    private static bool TryConvert(string text, Type type, out object? value, out string reason)
    {
        value = null;
        reason = string.Empty;
        if (type == typeof(string))
        {
            value = text;
            return true;
        }

        var trimmed = text.Trim();
        if (type == typeof(int))
        {
            if (int.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
            {
                value = number;
                return true;
            }

            reason = IsDigits(trimmed)
                ? $"'{text}' is out of range"
                : decimal.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
                    ? $"'{text}' is not a whole number"
                    : $"'{text}' is not a number";
            return false;
        }

        if (type == typeof(bool))
        {
            if (bool.TryParse(trimmed, out var flag))
            {
                value = flag;
                return true;
            }

            reason = $"'{text}' is not true or false";
            return false;
        }

        if (type.IsEnum)
        {
            // Names only: Enum.TryParse would also take any number, defined or not.
            var name = Enum.GetNames(type).FirstOrDefault(n => string.Equals(n, trimmed, StringComparison.OrdinalIgnoreCase));
            if (name is not null)
            {
                value = Enum.Parse(type, name);
                return true;
            }

            reason = $"'{text}' is not one of {string.Join(", ", Enum.GetNames(type))}";
            return false;
        }

        throw new NotSupportedException($"options property type {type} is not supported by {nameof(SectionBinder)}");
    }

    private static bool IsDigits(string text)
    {
        var digits = text.StartsWith('-') || text.StartsWith('+') ? text[1..] : text;
        return digits.Length > 0 && digits.All(char.IsAsciiDigit);
    }
}
