using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ScriptedSip.Plugins.Auth;

namespace ScriptedSip.Fuzz;

/// <summary>
/// An <c>Authorization</c> / <c>Proxy-Authorization</c> value (decoded as the route API hands it
/// over, UTF-8) through the Auth plugin's Digest parser, then the steps the plugin takes with parsed
/// credentials: the algorithm check, HA1, the expected response, the nonce-count, the comparison.
/// </summary>
/// <remarks>
/// All of it runs inside a route, where the server catches an exception per message (a script error,
/// logged and counted; the server goes on), so an exception is not let out as a crash. What is let
/// out: a parse that accepts credentials the plugin cannot use (the plugin relies on these checks),
/// and anything that stops the process or loops (stack overflow, out of memory, a hang).
/// </remarks>
public static class DigestTarget
{
    public static void Run(byte[] data)
    {
        var header = Encoding.UTF8.GetString(data);
        DigestCredentials? credentials = null;
        string? refusal = null;
        var returned = ServerBoundary.CaughtPerMessage(() =>
        {
            if (DigestParser.TryParse(header, out credentials, out refusal))
            {
                Verify(credentials!);
            }
        });

        if (!returned)
        {
            return;
        }

        if (credentials is null && string.IsNullOrEmpty(refusal))
        {
            throw new InvalidOperationException("refused credentials without a reason for the 400");
        }

        if (credentials is not null)
        {
            CheckAccepted(credentials);
        }
    }

    /// <summary>What the plugin computes once the credentials parsed (Auth.cs, the Authorize steps).</summary>
    private static void Verify(DigestCredentials c)
    {
        if (!DigestMath.IsKnown(c.Algorithm))
        {
            return; // challenged again, nothing computed
        }

        var ha1 = DigestMath.Ha1(c.Algorithm, c.Username, c.Realm, "secret");
        var expected = DigestMath.Response(c.Algorithm, ha1, "REGISTER", c);
        _ = CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(c.Response));
        _ = c.NonceCount is null ? 1 : long.Parse(c.NonceCount, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }

    /// <summary>Accepted credentials keep the promises the plugin builds on.</summary>
    private static void CheckAccepted(DigestCredentials c)
    {
        if (c.Response.Length is not (32 or 64) || !c.Response.All(char.IsAsciiHexDigitLower))
        {
            throw new InvalidOperationException($"accepted a response that is no lower-case hex digest: '{c.Response}'");
        }

        if (c.NonceCount is { } nc && (nc.Length != 8 || !nc.All(char.IsAsciiHexDigit)))
        {
            throw new InvalidOperationException($"accepted a nonce-count that is not 8 hex digits: '{nc}'");
        }

        if (c.Qop is not null && (c.NonceCount is null || c.Cnonce is null))
        {
            throw new InvalidOperationException("accepted qop without nc and cnonce");
        }
    }
}
