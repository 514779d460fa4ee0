namespace ScriptedSip.Plugins.Auth;

/// <summary><c>Plugins:Auth</c> in hostsettings.json.</summary>
public sealed class AuthOptions
{
    internal static readonly string[] KnownAlgorithms = ["SHA-256", "MD5"];

    /// <summary>Whether the shipped scripts ask for credentials (scripts read it as <c>Plugin&lt;Auth&gt;().Enabled</c>).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Challenge algorithms in order, one challenge header each (RFC 8760 §2.4: the preferred first).</summary>
    public List<string> Algorithms { get; set; } = [];

    /// <summary>Seconds a nonce is accepted; an older one gets a fresh challenge with stale=true.</summary>
    public int NonceExpiresSeconds { get; set; } = 300;

    /// <summary>Users: <c>"alice": "secret"</c>, or <c>"alice": "ha1:&lt;hex&gt;"</c> (32 hex digits: MD5 HA1, 64: SHA-256 HA1).</summary>
    public Dictionary<string, string> Users { get; set; } = [];

    /// <summary>Failed attempts allowed per source address and per user within FailureWindowSeconds before 403.</summary>
    public int MaxFailures { get; set; } = 10;

    /// <summary>The window of MaxFailures (seconds).</summary>
    public int FailureWindowSeconds { get; set; } = 60;

    /// <summary>Folder of the nonce secret (relative to the content root); empty = a new secret per start.</summary>
    public string DataPath { get; set; } = "data/auth";

    /// <summary>The algorithms in effect: the configured ones, or SHA-256 then MD5.</summary>
    internal IReadOnlyList<string> EffectiveAlgorithms => Algorithms.Count == 0 ? KnownAlgorithms : [.. Algorithms.Distinct(StringComparer.OrdinalIgnoreCase)];

    internal static IEnumerable<string> Validate(AuthOptions o)
    {
        for (var i = 0; i < o.Algorithms.Count; i++)
        {
            if (!KnownAlgorithms.Contains(o.Algorithms[i], StringComparer.OrdinalIgnoreCase))
            {
                yield return $"Algorithms:{i}: '{o.Algorithms[i]}' is not one of SHA-256, MD5";
            }
        }

        if (o.NonceExpiresSeconds is < 5 or > 86_400)
        {
            yield return $"NonceExpiresSeconds: {o.NonceExpiresSeconds} is out of range 5..86400";
        }

        if (o.MaxFailures is < 1 or > 1_000_000)
        {
            yield return $"MaxFailures: {o.MaxFailures} is out of range 1..1000000";
        }

        if (o.FailureWindowSeconds is < 1 or > 86_400)
        {
            yield return $"FailureWindowSeconds: {o.FailureWindowSeconds} is out of range 1..86400";
        }

        foreach (var (user, secret) in o.Users)
        {
            if (secret.StartsWith("ha1:", StringComparison.OrdinalIgnoreCase)
                && (secret.Length - 4 is not (32 or 64) || !secret[4..].All(char.IsAsciiHexDigit)))
            {
                yield return $"Users:{user}: 'ha1:' must be followed by 32 (MD5) or 64 (SHA-256) hex digits";
            }
        }
    }
}
