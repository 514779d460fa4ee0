using System.Buffers;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace ScriptedSip.Plugins.Auth;

/// <summary>
/// The digest computations of RFC 7616 §3.4.1 (qop=auth) and RFC 2069 (no qop), for MD5 and SHA-256.
/// The check a request takes (<see cref="ResponseMatches"/>) works in stack buffers and allocates nothing.
/// </summary>
public static class DigestMath
{
    /// <summary>Hex digits of the longest digest (SHA-256).</summary>
    public const int MaxHexLength = 64;

    public static string Hash(string algorithm, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Span<char> hex = stackalloc char[MaxHexLength];
        var joined = new JoinedText(stackalloc char[256]);
        joined.Add(text);
        var length = joined.HashHex(algorithm, hex);
        joined.Dispose();
        return new string(hex[..length]);
    }

    public static string Ha1(string algorithm, string user, string realm, string password)
    {
        Span<char> hex = stackalloc char[MaxHexLength];
        return new string(hex[..Ha1(algorithm, user, realm, password, hex)]);
    }

    /// <summary>HA1 = H(user:realm:password) as lower-case hex into <paramref name="hex"/>; returns its length.</summary>
    public static int Ha1(string algorithm, ReadOnlySpan<char> user, ReadOnlySpan<char> realm, ReadOnlySpan<char> password, Span<char> hex)
    {
        var joined = new JoinedText(stackalloc char[256]);
        joined.Add(user);
        joined.AddField(realm);
        joined.AddField(password);
        var length = joined.HashHex(algorithm, hex);
        joined.Dispose();
        return length;
    }

    /// <summary>The expected response for the given HA1.</summary>
    public static string Response(string algorithm, string ha1, string method, DigestCredentials c)
    {
        Span<char> hex = stackalloc char[MaxHexLength];
        return new string(hex[..Response(algorithm, ha1, method, c, hex)]);
    }

    /// <summary>True when the credentials' response is the one expected for <paramref name="ha1"/> (hex); compared in fixed time.</summary>
    public static bool ResponseMatches(string algorithm, ReadOnlySpan<char> ha1, string method, DigestCredentials c)
    {
        ArgumentNullException.ThrowIfNull(c);
        Span<char> expected = stackalloc char[MaxHexLength];
        var length = Response(algorithm, ha1, method, c, expected);
        return c.Response.Length == length
            && CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(expected[..length]), MemoryMarshal.AsBytes(c.Response.AsSpan()));
    }

    public static bool IsSha256(string algorithm) => algorithm.Equals("SHA-256", StringComparison.OrdinalIgnoreCase);

    public static bool IsKnown(string algorithm) => IsSha256(algorithm) || algorithm.Equals("MD5", StringComparison.OrdinalIgnoreCase);

    private static int Response(string algorithm, ReadOnlySpan<char> ha1, string method, DigestCredentials c, Span<char> hex)
    {
        ArgumentNullException.ThrowIfNull(c);
        Span<char> ha2 = stackalloc char[MaxHexLength];
        var joined = new JoinedText(stackalloc char[256]);
        joined.Add(method);
        joined.AddField(c.Uri);
        var ha2Length = joined.HashHex(algorithm, ha2);

        joined.Clear();
        joined.Add(ha1);
        joined.AddField(c.Nonce);
        if (c.Qop is not null)
        {
            joined.AddField(c.NonceCount);
            joined.AddField(c.Cnonce);
            joined.AddField(c.Qop);
        }

        joined.AddField(ha2[..ha2Length]);
        var length = joined.HashHex(algorithm, hex);
        joined.Dispose();
        return length;
    }

    /// <summary>Fields joined by ':' in a stack buffer (a pooled array for unusually long input), hashed as UTF-8.</summary>
    private ref struct JoinedText(Span<char> initial)
    {
        private Span<char> _chars = initial;
        private char[]? _rented;
        private int _length;

        public void Add(scoped ReadOnlySpan<char> text)
        {
            if (_length + text.Length > _chars.Length)
            {
                Grow(_length + text.Length);
            }

            text.CopyTo(_chars[_length..]);
            _length += text.Length;
        }

        public void AddField(scoped ReadOnlySpan<char> text)
        {
            Add(":");
            Add(text);
        }

        public void Clear() => _length = 0;

        [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5351", Justification = "RFC 7616 / RFC 3261 digest: MD5 is the algorithm deployed user agents speak; SHA-256 is offered first.")]
        public readonly int HashHex(string algorithm, Span<char> hex)
        {
            var text = _chars[.._length];
            var byteCount = Encoding.UTF8.GetByteCount(text);
            byte[]? rented = null;
            var bytes = byteCount <= 512 ? stackalloc byte[512] : (rented = ArrayPool<byte>.Shared.Rent(byteCount));
            var written = Encoding.UTF8.GetBytes(text, bytes);
            Span<byte> hash = stackalloc byte[32];
            var hashLength = IsSha256(algorithm) ? SHA256.HashData(bytes[..written], hash) : MD5.HashData(bytes[..written], hash);
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }

            Convert.TryToHexStringLower(hash[..hashLength], hex, out var hexLength);
            return hexLength;
        }

        public void Dispose()
        {
            if (_rented is not null)
            {
                ArrayPool<char>.Shared.Return(_rented);
                _rented = null;
            }
        }

        private void Grow(int needed)
        {
            var bigger = ArrayPool<char>.Shared.Rent(Math.Max(needed, _chars.Length * 2));
            _chars[.._length].CopyTo(bigger);
            if (_rented is not null)
            {
                ArrayPool<char>.Shared.Return(_rented);
            }

            _rented = bigger;
            _chars = bigger;
        }
    }
}
