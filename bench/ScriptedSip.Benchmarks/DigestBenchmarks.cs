using BenchmarkDotNet.Attributes;
using ScriptedSip.Plugins.Auth;

namespace ScriptedSip.Benchmarks;

/// <summary>
/// The Auth plugin's per-request work (scenario G: a REGISTER challenged, then checked): issuing a
/// nonce for the challenge, checking the nonce that comes back, and the MD5 digest check from the
/// password, and parsing the Authorization header. The challenge's nonce is a string because it goes
/// into the reply header, the parsed credentials are strings a script can read; the checks allocate nothing.
/// </summary>
[MemoryDiagnoser]
public class DigestBenchmarks
{
    private const string Source = "192.0.2.31";
    private readonly NonceService _nonces = new(new byte[32], TimeProvider.System, TimeSpan.FromSeconds(30));
    private DigestCredentials _credentials = null!;
    private string _ha1 = string.Empty;
    private string _header = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        var nonce = _nonces.Issue(Source);
        var c = new DigestCredentials("alice", "example.org", nonce, "sip:example.org", string.Empty, "MD5", "auth", "0a4f113b", "00000001");
        _ha1 = DigestMath.Ha1("MD5", "alice", "example.org", "alice-secret");
        _credentials = c with { Response = DigestMath.Response("MD5", _ha1, "REGISTER", c) };
        _header = $"Digest username=\"alice\",realm=\"example.org\",nonce=\"{nonce}\",uri=\"sip:example.org\",response=\"{_credentials.Response}\",algorithm=MD5,cnonce=\"0a4f113b\",qop=auth,nc=00000001";
    }

    [Benchmark(Description = "Parse Digest credentials (9 parameters)")]
    public bool ParseCredentials() => DigestParser.TryParse(_header, out _, out _);

    [Benchmark(Description = "Issue a nonce (challenge)")]
    public string IssueNonce() => _nonces.Issue(Source);

    [Benchmark(Description = "Check a nonce's origin (HMAC)")]
    public bool CheckNonce() => _nonces.CheckOrigin(_credentials.Nonce, Source) == NonceState.Valid;

    [Benchmark(Description = "MD5 digest check from the password (HA1, HA2, response)")]
    public bool CheckResponseFromPassword()
    {
        Span<char> ha1 = stackalloc char[DigestMath.MaxHexLength];
        var length = DigestMath.Ha1("MD5", _credentials.Username, _credentials.Realm, "alice-secret", ha1);
        return DigestMath.ResponseMatches("MD5", ha1[..length], "REGISTER", _credentials);
    }
}
