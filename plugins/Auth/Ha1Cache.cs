using System.Collections.Concurrent;

namespace ScriptedSip.Plugins.Auth;

/// <summary>
/// HA1 = H(user:realm:password) per user, realm and algorithm, so a check of a plain password
/// hashes twice instead of three times (a phone re-authenticates every call and registration).
/// Each entry remembers the secret it was made from: a changed password (a provider answering
/// differently) misses and replaces it. Bounded: past <see cref="Capacity"/> entries it starts
/// over, so a flood of made-up user names cannot grow it.
/// </summary>
internal sealed class Ha1Cache
{
    public const int Capacity = 10_000;

    private readonly ConcurrentDictionary<(string User, string Realm, bool Sha256), Entry> _entries = new();

    /// <summary>Entries now (observable in tests).</summary>
    public int Count => _entries.Count;

    /// <summary>The lower-case hex HA1 for a plain-text <paramref name="password"/>.</summary>
    public string Get(string algorithm, string user, string realm, string password)
    {
        var key = (user, realm, DigestMath.IsSha256(algorithm));
        if (_entries.TryGetValue(key, out var entry) && string.Equals(entry.Secret, password, StringComparison.Ordinal))
        {
            return entry.Ha1;
        }

        var ha1 = DigestMath.Ha1(algorithm, user, realm, password);
        if (_entries.Count >= Capacity)
        {
            _entries.Clear();
        }

        _entries[key] = new Entry(password, ha1);
        return ha1;
    }

    private sealed record Entry(string Secret, string Ha1);
}
