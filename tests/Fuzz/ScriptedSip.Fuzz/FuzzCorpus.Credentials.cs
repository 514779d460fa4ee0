using System.Text;
using ScriptedSip.Core.Parsing;

namespace ScriptedSip.Fuzz;

public static partial class FuzzCorpus
{
    private static readonly string[] Credentials =
    [
        // MD5 with qop=auth, quoted and unquoted parameters mixed (RFC 3261 §22.4 / RFC 2617 shape).
        "Digest username=\"bob\", realm=\"biloxi.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"sip:bob@biloxi.com\", " +
        "qop=auth, nc=00000001, cnonce=\"0a4f113b\", response=\"6629fae49393a05397450978507c4ef1\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
        // SHA-256 (RFC 7616), 64 hex digits, upper-case algorithm token.
        "Digest username=\"alice\", realm=\"example.com\", nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", uri=\"sip:example.com\", " +
        "algorithm=SHA-256, qop=auth, nc=0000000a, cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", " +
        "response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\"",
        // RFC 2069: no qop, algorithm=MD5 unquoted, everything unquoted and without spaces.
        "Digest username=carol,realm=example.org,nonce=abc123,uri=sip:example.org,response=0123456789abcdef0123456789ABCDEF,algorithm=MD5",
        // Quoted-pair escapes, commas inside quotes, extra separators and folding white space.
        "Digest  username=\"d\\\"ave\" ,, realm=\"a, b\",\tnonce=\"n\\\\1\", uri=\"sip:x@y;transport=tcp\", response=\"00000000000000000000000000000000\",",
        // Refused: unbalanced quote, missing response, short nc, qop without cnonce, other scheme, no space after Digest.
        "Digest username=\"eve, realm=\"example.com\", nonce=\"n\", uri=\"sip:a\", response=\"00000000000000000000000000000000\"",
        "Digest username=\"eve\", realm=\"example.com\", nonce=\"n\", uri=\"sip:a\"",
        "Digest username=\"eve\", realm=\"r\", nonce=\"n\", uri=\"sip:a\", qop=auth, nc=1, cnonce=\"c\", response=\"00000000000000000000000000000000\"",
        "Digest username=\"eve\", realm=\"r\", nonce=\"n\", uri=\"sip:a\", qop=auth, nc=00000001, response=\"00000000000000000000000000000000\"",
        "Basic ZXZlOnNlY3JldA==",
        "DIGEST username=\"eve\"",
        "Digest,username=\"eve\"",
        "Digest username",
    ];

    /// <summary>Authorization values written for the target, and those of the fixture messages (Authorization, Proxy-Authorization).</summary>
    private static IEnumerable<byte[]> DigestSeeds(List<byte[]> messages) =>
        Credentials.Select(Encoding.UTF8.GetBytes)
            .Concat(HeaderValues(messages, HeaderKind.Authorization))
            .Concat(HeaderValues(messages, HeaderKind.ProxyAuthorization));
}
