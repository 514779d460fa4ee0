using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ScriptedSip.Plugins.Dispatcher;

/// <summary>
/// Builds the sets from <c>Plugins:Dispatcher:Sets</c> and the list file. Every problem is one line
/// naming the key or the file line; any problem refuses the whole load (the sets in use stay).
/// </summary>
internal static class SetLoader
{
    private static readonly System.Buffers.SearchValues<char> Forbidden = System.Buffers.SearchValues.Create(" \t\r\n<>\"");
    private static readonly System.Buffers.SearchValues<char> HostChars = System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");

    public static (Dictionary<int, DestinationSet> Sets, List<string> Problems) Load(DispatcherOptions options, string? listFilePath)
    {
        var problems = new List<string>();
        var entries = new Dictionary<int, List<(Destination Destination, string Where)>>();

        foreach (var (setKey, list) in options.Sets)
        {
            if (!int.TryParse(setKey, NumberStyles.None, CultureInfo.InvariantCulture, out var set))
            {
                problems.Add($"Sets:{setKey}: the set id must be a number 0..{int.MaxValue}");
                continue;
            }

            for (var i = 0; i < list.Count; i++)
            {
                var where = $"Sets:{setKey}:{i}";
                var d = list[i];
                var weightOk = TryNumber(d.Weight, 1, 100, out var weight);
                var priorityOk = TryNumber(d.Priority, 0, 1_000_000, out var priority);
                if (!weightOk)
                {
                    problems.Add($"{where}:Weight: '{d.Weight}' is not a number 1..100");
                }

                if (!priorityOk)
                {
                    problems.Add($"{where}:Priority: '{d.Priority}' is not a number 0..1000000");
                }

                if (!TryParseUri(d.Uri, out var host, out var port, out var error))
                {
                    problems.Add($"{where}:Uri: {error}");
                }
                else if (weightOk && priorityOk)
                {
                    Add(entries, problems, new Destination(set, d.Uri.Trim(), host, port, weight, priority, d.Attrs ?? string.Empty), where);
                }
            }
        }

        if (!string.IsNullOrEmpty(listFilePath))
        {
            ReadListFile(listFilePath, entries, problems);
        }

        var sets = new Dictionary<int, DestinationSet>();
        foreach (var (set, list) in entries)
        {
            sets[set] = new DestinationSet(set, [.. list.Select(e => e.Destination)]);
        }

        return (sets, problems);
    }

    /// <summary><c>sip:</c> or <c>sips:</c>, an optional user, a host (IPv6 in brackets), an optional port, optional parameters.</summary>
    public static bool TryParseUri(string? uri, out string host, out int port, out string error)
    {
        host = string.Empty;
        port = 5060;
        var text = uri?.Trim() ?? string.Empty;
        var rest = text.AsSpan();
        if (rest.StartsWith("sip:", StringComparison.OrdinalIgnoreCase))
        {
            rest = rest[4..];
        }
        else if (rest.StartsWith("sips:", StringComparison.OrdinalIgnoreCase))
        {
            rest = rest[5..];
        }
        else
        {
            error = $"'{text}' is not a SIP URI (sip:host[:port][;params])";
            return false;
        }

        if (rest.IndexOfAny(Forbidden) >= 0)
        {
            error = $"'{text}' is not a SIP URI: it holds a space, a line break, '<', '>' or '\"'";
            return false;
        }

        var at = rest.IndexOf('@');
        if (at >= 0)
        {
            rest = rest[(at + 1)..];
        }

        var end = rest.IndexOfAny(";?");
        var hostPort = end < 0 ? rest : rest[..end];
        ReadOnlySpan<char> portText = default;
        if (hostPort.StartsWith("["))
        {
            var close = hostPort.IndexOf(']');
            if (close < 0 || !IPAddress.TryParse(hostPort[1..close], out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                error = $"'{text}' has no valid IPv6 address in brackets";
                return false;
            }

            host = hostPort[..(close + 1)].ToString();
            portText = hostPort[(close + 1)..] is { IsEmpty: false } tail && tail[0] == ':' ? tail[1..] : default;
        }
        else
        {
            var colon = hostPort.IndexOf(':');
            var name = colon < 0 ? hostPort : hostPort[..colon];
            portText = colon < 0 ? default : hostPort[(colon + 1)..];
            if (name.IsEmpty || name.ContainsAnyExcept(HostChars) || name[0] == '.' || name[^1] == '.')
            {
                error = $"'{text}' has no valid host";
                return false;
            }

            host = name.ToString();
        }

        if (!portText.IsEmpty || hostPort.EndsWith(":"))
        {
            if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
            {
                error = $"'{text}' has a port that is not 1..65535";
                return false;
            }
        }

        error = string.Empty;
        return true;
    }

    private static void ReadListFile(string path, Dictionary<int, List<(Destination, string)>> entries, List<string> problems)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problems.Add($"{path}: cannot be read: {ex.Message}");
            return;
        }

        var name = Path.GetFileName(path);
        for (var n = 0; n < lines.Length; n++)
        {
            var line = lines[n].Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var where = $"{name}:{n + 1}";
            var fields = line.Split([' ', '\t'], 5, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2)
            {
                problems.Add($"{where}: '{line}' is not 'setid uri [flags [priority [attrs]]]'");
                continue;
            }

            if (!int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var set))
            {
                problems.Add($"{where}: the set id '{fields[0]}' is not a number");
                continue;
            }

            if (!TryParseUri(fields[1], out var host, out var port, out var error))
            {
                problems.Add($"{where}: {error}");
                continue;
            }

            if (fields.Length > 2 && !int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                problems.Add($"{where}: the flags '{fields[2]}' are not a number");
                continue;
            }

            var priority = 0;
            if (fields.Length > 3 && !TryNumber(fields[3], 0, 1_000_000, out priority))
            {
                problems.Add($"{where}: the priority '{fields[3]}' is not a number 0..1000000");
                continue;
            }

            var attrs = fields.Length > 4 ? fields[4] : string.Empty;
            var weight = 1;
            var weightText = attrs.Split(';').Select(a => a.Trim()).FirstOrDefault(a => a.StartsWith("weight=", StringComparison.OrdinalIgnoreCase));
            if (weightText is not null && !TryNumber(weightText["weight=".Length..], 1, 100, out weight))
            {
                problems.Add($"{where}: the weight '{weightText["weight=".Length..]}' is not a number 1..100");
                continue;
            }

            Add(entries, problems, new Destination(set, fields[1], host, port, weight, priority, attrs), where);
        }
    }

    private static void Add(Dictionary<int, List<(Destination Destination, string Where)>> entries, List<string> problems, Destination destination, string where)
    {
        if (!entries.TryGetValue(destination.Set, out var list))
        {
            entries[destination.Set] = list = [];
        }

        var twin = list.FirstOrDefault(e => string.Equals(e.Destination.Uri, destination.Uri, StringComparison.OrdinalIgnoreCase));
        if (twin.Destination is not null)
        {
            problems.Add($"{where}: {destination.Uri} is already in set {destination.Set} ({twin.Where})");
            return;
        }

        list.Add((destination, where));
    }

    private static bool TryNumber(string? text, int min, int max, out int value) =>
        int.TryParse(text?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;
}
