namespace ScriptedSip.Plugins.Pike;

/// <summary><c>Plugins:Pike</c> in hostsettings.json.</summary>
public sealed class PikeOptions
{
    /// <summary>Off = no request filter (the rate limiter stays available to scripts).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The sliding window over which a source's requests are counted (ms; Kamailio's sampling_time_unit).</summary>
    public int WindowMs { get; set; } = 2000;

    /// <summary>More requests than this from one address within <see cref="WindowMs"/> blocks it (Kamailio's reqs_density_per_unit).</summary>
    public int MaxRequests { get; set; } = 30;

    /// <summary>How long an offending address stays blocked (Kamailio's remove_latency).</summary>
    public int BlockSeconds { get; set; } = 60;

    /// <summary><c>Drop</c> a blocked address's requests silently, or <c>Reply</c> 503 with Retry-After (the remaining block time).</summary>
    public string Action { get; set; } = "Drop";

    /// <summary>Addresses tracked at once; a new address in a full table replaces the least recently seen one (counted).</summary>
    public int TableSize { get; set; } = 65536;

    /// <summary>Route raised once per block with <c>Mb</c> = the address (module:event = file pike_blocked.csx); empty = none.</summary>
    public string EventRoute { get; set; } = "pike:blocked";

    /// <summary>Most keys the rate limiter tracks; keys idle for a minute make room for new ones.</summary>
    public int RateLimitKeys { get; set; } = 10_000;

    internal bool Reply => string.Equals(Action, "Reply", StringComparison.OrdinalIgnoreCase);

    internal static IEnumerable<string> Validate(PikeOptions options)
    {
        if (options.WindowMs is < 10 or > 3_600_000)
        {
            yield return $"WindowMs: {options.WindowMs} is out of range 10..3600000";
        }

        if (options.MaxRequests is < 1 or > 10_000_000)
        {
            yield return $"MaxRequests: {options.MaxRequests} is out of range 1..10000000";
        }

        if (options.BlockSeconds is < 1 or > 86_400)
        {
            yield return $"BlockSeconds: {options.BlockSeconds} is out of range 1..86400";
        }

        if (!string.Equals(options.Action, "Drop", StringComparison.OrdinalIgnoreCase) && !options.Reply)
        {
            yield return $"Action: '{options.Action}' is not one of Drop, Reply";
        }

        if (options.TableSize is < 64 or > 16_777_216)
        {
            yield return $"TableSize: {options.TableSize} is out of range 64..16777216";
        }

        if (options.RateLimitKeys is < 1 or > 10_000_000)
        {
            yield return $"RateLimitKeys: {options.RateLimitKeys} is out of range 1..10000000";
        }
    }
}
