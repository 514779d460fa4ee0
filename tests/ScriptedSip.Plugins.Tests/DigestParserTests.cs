using ScriptedSip.Plugins.Auth;

namespace ScriptedSip.Plugins.Tests;

/// <summary>The Digest credentials parser: valid input read, any other input refused with a reason — never an exception.</summary>
public sealed class DigestParserTests
{
    [Test]
    public void ValidCredentials_AllFieldsRead()
    {
        var ok = DigestParser.TryParse(
            "Digest username=\"alice\", realm=\"example.com\", nonce=\"abc\", uri=\"sip:example.com\", response=\"0123456789abcdef0123456789ABCDEF\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"xyz\"",
            out var c,
            out var error);

        Assert.That(ok, Is.True, error);
        Assert.That((c!.Username, c.Realm, c.Nonce, c.Uri, c.Algorithm, c.Qop, c.NonceCount, c.Cnonce), Is.EqualTo(("alice", "example.com", "abc", "sip:example.com", "MD5", "auth", "00000001", "xyz")));
        Assert.That(c.Response, Is.EqualTo("0123456789abcdef0123456789abcdef"));
    }

    [Test]
    public void EscapesNamesInAnyCaseUnknownParametersAndRepeats_ReadAsBefore()
    {
        const string Response = "0123456789abcdef0123456789abcdef";
        var ok = DigestParser.TryParse(
            $"Digest  USERNAME=\"al\\\"ice\\\\\" , Realm = \"example.com\",opaque=\"x, y=\\\"z\\\"\",nonce=\"first\",nonce=\"second\", uri=\"sip:example.com\",response={Response} ,stale=false",
            out var c,
            out var error);

        Assert.That(ok, Is.True, error);
        Assert.That((c!.Username, c.Realm, c.Nonce, c.Uri, c.Response, c.Algorithm, c.Qop), Is.EqualTo(("al\"ice\\", "example.com", "second", "sip:example.com", Response, "MD5", (string?)null)));
    }

    [TestCase("Digest username=\"alice, realm=\"x\"", "a parameter without '='", TestName = "A quote closed by the next value's opening quote: what follows is no parameter")]
    [TestCase("Digest username=\"alice\", realm=\"x", "unbalanced quotes", TestName = "An unclosed quote")]
    [TestCase("Digest username=\"alice\\\"", "unbalanced quotes", TestName = "An escaped closing quote")]
    [TestCase("Digest user name=\"alice\"", "a malformed parameter name", TestName = "A space in a parameter name")]
    [TestCase("Digest username", "a parameter without '='", TestName = "A parameter without a value")]
    public void MalformedCredentials_AreRefusedWithTheReason(string header, string reason)
    {
        Assert.That(DigestParser.TryParse(header, out var c, out var error), Is.False);
        Assert.That((c, error), Is.EqualTo(((DigestCredentials?)null, reason)));
    }

    [Test]
    public void RandomAndTruncatedInput_NeverThrows()
    {
        const string valid = "Digest username=\"alice\", realm=\"r\", nonce=\"n\", uri=\"sip:x\", response=\"00000000000000000000000000000000\", qop=auth, nc=00000001, cnonce=\"c\"";
        const string alphabet = "Digest =\",\\ a";
        var random = new Random(14);
        for (var i = 0; i < 20_000; i++)
        {
            var text = i % 2 == 0
                ? valid[..random.Next(valid.Length)]
                : new string([.. Enumerable.Range(0, random.Next(200)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
            Assert.DoesNotThrow(() => DigestParser.TryParse(text, out _, out _), text);
        }
    }

    [Test]
    public void Sha256AndMd5_KnownVectorsOfRfc7616()
    {
        // RFC 7616 §3.9.1: Mufasa / Circle of Life, http-auth@example.org, GET /dir/index.html.
        var c = new DigestCredentials("Mufasa", "http-auth@example.org", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "/dir/index.html", string.Empty, "MD5", "auth", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "00000001");
        var md5 = DigestMath.Response("MD5", DigestMath.Ha1("MD5", "Mufasa", "http-auth@example.org", "Circle of Life"), "GET", c);
        var sha = DigestMath.Response("SHA-256", DigestMath.Ha1("SHA-256", "Mufasa", "http-auth@example.org", "Circle of Life"), "GET", c with { Algorithm = "SHA-256" });

        Assert.That(md5, Is.EqualTo("8ca523f5e9506fed4657c9700eebdbec"));
        Assert.That(sha, Is.EqualTo("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"));
    }
}
