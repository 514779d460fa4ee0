using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace ScriptedSip.Scripts.Tests.Shipped;

/// <summary>
/// A user agent's side of digest authentication (RFC 7616, qop=auth), as a phone computes it:
/// reads a challenge header and builds the Authorization / Proxy-Authorization answer.
/// </summary>
internal static partial class DigestClient
{
    /// <summary>The parameters of one challenge header (<c>Digest realm="…", nonce="…", …</c>).</summary>
    public static Dictionary<string, string> Parse(string challenge)
    {
        Assert.That(challenge, Does.StartWith("Digest "));
        return Parameter().Matches(challenge).ToDictionary(m => m.Groups[1].Value.ToLowerInvariant(), m => m.Groups[3].Success ? m.Groups[3].Value : m.Groups[4].Value);
    }

    /// <summary>The credentials header value for <paramref name="challenge"/>.</summary>
    public static string Answer(string challenge, string method, string uri, string user, string password, int nonceCount = 1)
    {
        var p = Parse(challenge);
        var algorithm = p.GetValueOrDefault("algorithm", "MD5");
        var nc = nonceCount.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
        const string cnonce = "0a4f113b";
        var ha1 = Hash(algorithm, $"{user}:{p["realm"]}:{password}");
        var ha2 = Hash(algorithm, $"{method}:{uri}");
        var response = Hash(algorithm, $"{ha1}:{p["nonce"]}:{nc}:{cnonce}:auth:{ha2}");
        return $"Digest username=\"{user}\", realm=\"{p["realm"]}\", nonce=\"{p["nonce"]}\", uri=\"{uri}\", response=\"{response}\", algorithm={algorithm}, qop=auth, nc={nc}, cnonce=\"{cnonce}\"";
    }

    private static string Hash(string algorithm, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var digest = algorithm.ToUpperInvariant() switch
        {
            "SHA-256" => SHA256.HashData(bytes),
#pragma warning disable CA5351 // MD5 is what SIP digest authentication still uses; the test computes it as a phone does
            "MD5" => MD5.HashData(bytes),
#pragma warning restore CA5351
            _ => throw new ArgumentException("algorithm " + algorithm, nameof(algorithm)),
        };
        return Convert.ToHexStringLower(digest);
    }

    [GeneratedRegex("""([A-Za-z-]+)=("([^"]*)"|([^,\s]+))""")]
    private static partial Regex Parameter();
}
