using System.Security.Cryptography;
using System.Text;
using ScriptedSip.Plugins.Auth;

namespace ScriptedSip.Plugins.Tests;

/// <summary>The allocation-free digest check against the definition of RFC 7616 / RFC 2069, computed here from strings.</summary>
public sealed class DigestMathTests
{
    private static readonly DigestCredentials Rfc7616 = new("Mufasa", "http-auth@example.org", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "/dir/index.html", "8ca523f5e9506fed4657c9700eebdbec", "MD5", "auth", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "00000001");

    [Test]
    public void ResponseMatches_TheRfc7616Response_AndNothingElse()
    {
        var ha1 = DigestMath.Ha1("MD5", "Mufasa", "http-auth@example.org", "Circle of Life");

        Assert.That(DigestMath.ResponseMatches("MD5", ha1, "GET", Rfc7616), Is.True);
        Assert.That(DigestMath.ResponseMatches("MD5", ha1, "GET", Rfc7616 with { Response = "8ca523f5e9506fed4657c9700eebdbed" }), Is.False);
        Assert.That(DigestMath.ResponseMatches("MD5", ha1, "GET", Rfc7616 with { Response = "8CA523F5E9506FED4657C9700EEBDBEC" }), Is.False);
        Assert.That(DigestMath.ResponseMatches("MD5", ha1, "GET", Rfc7616 with { Response = "8ca523f5e9506fed4657c9700eebdbe" }), Is.False);
        Assert.That(DigestMath.ResponseMatches("MD5", ha1, "POST", Rfc7616), Is.False);
    }

    [TestCase("MD5")]
    [TestCase("SHA-256")]
    public void WithoutQop_IsTheRfc2069Response(string algorithm)
    {
        var c = Rfc7616 with { Qop = null, Cnonce = null, NonceCount = null, Algorithm = algorithm };
        var ha1 = Reference(algorithm, "Mufasa:http-auth@example.org:Circle of Life");
        var expected = Reference(algorithm, $"{ha1}:{c.Nonce}:{Reference(algorithm, "GET:/dir/index.html")}");

        Assert.That(DigestMath.Response(algorithm, ha1, "GET", c), Is.EqualTo(expected));
        Assert.That(DigestMath.ResponseMatches(algorithm, ha1, "GET", c with { Response = expected }), Is.True);
    }

    [TestCase(10)]
    [TestCase(300)]
    [TestCase(5000)]
    public void LongAndNonAsciiText_IsHashedAsItsUtf8(int length)
    {
        // Past the stack buffers (256 characters, 512 bytes): the pooled path gives the same digest.
        var password = new string('é', length);

        Assert.That(DigestMath.Ha1("MD5", "ünïcode", "example.org", password), Is.EqualTo(Reference("MD5", $"ünïcode:example.org:{password}")));
        Assert.That(DigestMath.Hash("SHA-256", password), Is.EqualTo(Reference("SHA-256", password)));
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5351", Justification = "The digest algorithm under test.")]
    private static string Reference(string algorithm, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return Convert.ToHexStringLower(algorithm == "MD5" ? MD5.HashData(bytes) : SHA256.HashData(bytes));
    }
}
