using System.Security.Cryptography;
using System.Text;

namespace ScriptedSip.Host.Management;

/// <summary>
/// The <c>Authorization: Bearer …</c> check. Both sides are hashed first and compared with
/// <see cref="CryptographicOperations.FixedTimeEquals"/>: the time taken says nothing about how much
/// of a guess was right, nor about the token's length.
/// </summary>
public sealed class BearerToken
{
    private readonly byte[]? _expectedHash;

    public BearerToken(string token) =>
        _expectedHash = string.IsNullOrEmpty(token) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public bool Required => _expectedHash is not null;

    /// <summary>True when no token is configured, or the header carries exactly the configured one.</summary>
    public bool Accepts(string? authorizationHeader)
    {
        if (_expectedHash is null)
        {
            return true;
        }

        const string Scheme = "Bearer ";
        if (authorizationHeader is null || !authorizationHeader.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var offered = SHA256.HashData(Encoding.UTF8.GetBytes(authorizationHeader[Scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(offered, _expectedHash);
    }
}
