using System.Security.Cryptography;
using System.Text;

namespace ScriptedSip.Plugins.Auth;

/// <summary>The digest computations of RFC 7616 §3.4.1 (qop=auth) and RFC 2069 (no qop), for MD5 and SHA-256.</summary>
public static class DigestMath
{
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5351", Justification = "RFC 7616 / RFC 3261 digest: MD5 is the algorithm deployed user agents speak; SHA-256 is offered first.")]
    public static string Hash(string algorithm, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var bytes = Encoding.UTF8.GetBytes(text);
        var hash = IsSha256(algorithm) ? SHA256.HashData(bytes) : MD5.HashData(bytes);
        return Convert.ToHexStringLower(hash);
    }

    public static string Ha1(string algorithm, string user, string realm, string password) => Hash(algorithm, $"{user}:{realm}:{password}");

    /// <summary>The expected response for the given HA1.</summary>
    public static string Response(string algorithm, string ha1, string method, DigestCredentials c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var ha2 = Hash(algorithm, $"{method}:{c.Uri}");
        return c.Qop is null
            ? Hash(algorithm, $"{ha1}:{c.Nonce}:{ha2}")
            : Hash(algorithm, $"{ha1}:{c.Nonce}:{c.NonceCount}:{c.Cnonce}:{c.Qop}:{ha2}");
    }

    public static bool IsSha256(string algorithm) => algorithm.Equals("SHA-256", StringComparison.OrdinalIgnoreCase);

    public static bool IsKnown(string algorithm) => IsSha256(algorithm) || algorithm.Equals("MD5", StringComparison.OrdinalIgnoreCase);
}
