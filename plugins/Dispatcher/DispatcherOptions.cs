using System.Globalization;

namespace ScriptedSip.Plugins.Dispatcher;

/// <summary><c>Plugins:Dispatcher</c> in hostsettings.json.</summary>
public sealed class DispatcherOptions
{
    /// <summary>Destination sets by set id (an integer, as Kamailio numbers them).</summary>
    public Dictionary<string, List<DestinationOptions>> Sets { get; set; } = [];

    /// <summary>A list file in Kamailio's format (<c>setid uri [flags [priority [attrs]]]</c>), reloaded when it changes; empty = none.</summary>
    public string ListFile { get; set; } = string.Empty;

    /// <summary>Seconds between two OPTIONS probes of a destination; 0 = no probing.</summary>
    public int ProbeIntervalSeconds { get; set; } = 10;

    /// <summary><c>Inactive</c>: probe only destinations that are inactive; <c>All</c>: probe every destination that is not disabled.</summary>
    public string ProbeMode { get; set; } = "Inactive";

    /// <summary>Failed probes in a row that turn an active destination inactive.</summary>
    public int ProbeThreshold { get; set; } = 3;

    /// <summary>Successful probes in a row that turn an inactive destination active again.</summary>
    public int ActiveThreshold { get; set; } = 1;

    /// <summary>How long a probe waits for its final reply (ms); no reply counts as a failure.</summary>
    public int ProbeTimeoutMs { get; set; } = 5000;

    /// <summary>The From URI of the probes (Kamailio's ds_ping_from).</summary>
    public string ProbeFrom { get; set; } = "sip:dispatcher@localhost";

    /// <summary>Reply codes that count as alive: exact codes (<c>404</c>) or classes (<c>2xx</c>).</summary>
    public List<string> AliveCodes { get; set; } = ["2xx"];

    /// <summary>Calls tracked at once for failover (<c>Next</c>) and <c>Mark</c>; the oldest is reused when full.</summary>
    public int FailoverSlots { get; set; } = 65536;

    /// <summary>The list file as an absolute path (relative to the content root), or null.</summary>
    internal string? ListFilePath(string contentRoot) => ListFile.Length == 0 ? null : Path.GetFullPath(ListFile, contentRoot);

    internal bool ProbeAll => string.Equals(ProbeMode, "All", StringComparison.OrdinalIgnoreCase);

    /// <summary>The options' own problems, then those of the sets they describe (each bad entry named by key or file line).</summary>
    internal static IEnumerable<string> Validate(DispatcherOptions options, string contentRoot) =>
        Validate(options).Concat(SetLoader.Load(options, options.ListFilePath(contentRoot)).Problems);

    private static IEnumerable<string> Validate(DispatcherOptions options)
    {
        if (options.ProbeIntervalSeconds is < 0 or > 86_400)
        {
            yield return $"ProbeIntervalSeconds: {options.ProbeIntervalSeconds} is out of range 0..86400 (0 = no probing)";
        }

        if (!string.Equals(options.ProbeMode, "All", StringComparison.OrdinalIgnoreCase) && !string.Equals(options.ProbeMode, "Inactive", StringComparison.OrdinalIgnoreCase))
        {
            yield return $"ProbeMode: '{options.ProbeMode}' is not one of Inactive, All";
        }

        if (options.ProbeThreshold is < 1 or > 100)
        {
            yield return $"ProbeThreshold: {options.ProbeThreshold} is out of range 1..100";
        }

        if (options.ActiveThreshold is < 1 or > 100)
        {
            yield return $"ActiveThreshold: {options.ActiveThreshold} is out of range 1..100";
        }

        if (options.ProbeTimeoutMs is < 100 or > 60_000)
        {
            yield return $"ProbeTimeoutMs: {options.ProbeTimeoutMs} is out of range 100..60000";
        }

        if (!options.ProbeFrom.StartsWith("sip:", StringComparison.OrdinalIgnoreCase) || options.ProbeFrom.AsSpan().IndexOfAny(" <>\r\n") >= 0)
        {
            yield return $"ProbeFrom: '{options.ProbeFrom}' is not a SIP URI";
        }

        if (options.FailoverSlots is < 16 or > 4_194_304)
        {
            yield return $"FailoverSlots: {options.FailoverSlots} is out of range 16..4194304";
        }

        for (var i = 0; i < options.AliveCodes.Count; i++)
        {
            if (!AliveCodeSet.TryParse(options.AliveCodes[i], out _))
            {
                yield return $"AliveCodes:{i}: '{options.AliveCodes[i]}' is neither a status code 100..699 nor a class such as 2xx";
            }
        }
    }
}

/// <summary>One destination of a set in hostsettings.json.</summary>
public sealed class DestinationOptions
{
    /// <summary>The destination's SIP URI, e.g. <c>sip:10.0.0.1:5060;transport=udp</c>.</summary>
    public string Uri { get; set; } = string.Empty;

    /// <summary>Share of the weight algorithm (9), 1..100 — as text so that a value that is no number is reported with its key.</summary>
    public string Weight { get; set; } = "1";

    /// <summary>Order of the priority algorithm (8): 1 is tried before 2 — as text for the same reason.</summary>
    public string Priority { get; set; } = "0";

    /// <summary>Free text for scripts (Kamailio's attrs).</summary>
    public string Attrs { get; set; } = string.Empty;
}

/// <summary>The reply codes that count as alive for a probe.</summary>
internal sealed class AliveCodeSet
{
    private readonly bool[] _alive = new bool[700];

    public AliveCodeSet(IEnumerable<string> entries)
    {
        foreach (var entry in entries)
        {
            if (TryParse(entry, out var range))
            {
                for (var code = range.From; code <= range.To; code++)
                {
                    _alive[code] = true;
                }
            }
        }
    }

    public bool IsAlive(int code) => code is >= 100 and < 700 && _alive[code];

    public static bool TryParse(string? text, out (int From, int To) range)
    {
        range = default;
        var value = text?.Trim() ?? string.Empty;
        if (value.Length == 3 && value[0] is >= '1' and <= '6' && value.EndsWith("xx", StringComparison.OrdinalIgnoreCase))
        {
            var from = (value[0] - '0') * 100;
            range = (from, from + 99);
            return true;
        }

        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var code) && code is >= 100 and <= 699)
        {
            range = (code, code);
            return true;
        }

        return false;
    }
}
