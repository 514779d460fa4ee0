using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace ScriptedSip.IntegrationTests.Infrastructure;

/// <summary>
/// A test user agent that registers and sends requests with digest credentials it computes itself
/// (RFC 7616: SHA-256 or MD5, qop=auth) — the part sipp 3.6 cannot do (it speaks MD5 only).
/// </summary>
public sealed partial class DigestClient : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);
    private readonly IPEndPoint _server;
    private int _cseq;

    public DigestClient(IPEndPoint server, string user, string password)
    {
        _server = server;
        User = user;
        Password = password;
        Peer = new UdpPeer();
    }

    public string User { get; }

    public string Password { get; }

    public UdpPeer Peer { get; }

    public string CallId { get; } = Guid.NewGuid().ToString("N") + "@digest-client";

    public string Domain => $"{_server.Address}:{_server.Port}";

    /// <summary>A REGISTER of this user (To = From = the user at the server) with the given Contact and extra lines.</summary>
    public string RegisterText(string contactLines, string? extra = null, string? credentials = null, int? cseq = null)
    {
        var number = cseq ?? ++_cseq;
        var lines = new List<string>
        {
            $"REGISTER sip:{Domain} SIP/2.0",
            $"Via: SIP/2.0/UDP {Peer.LocalEndPoint};branch=z9hG4bK{Guid.NewGuid():N};rport",
            "Max-Forwards: 70",
            $"From: <sip:{User}@{Domain}>;tag=r{CallId[..6]}",
            $"To: <sip:{User}@{Domain}>",
            "Call-ID: " + CallId,
            $"CSeq: {number.ToString(CultureInfo.InvariantCulture)} REGISTER",
        };
        lines.AddRange(new[] { contactLines, extra, credentials is null ? null : "Authorization: " + credentials }.Where(l => !string.IsNullOrEmpty(l))!);
        lines.Add("Content-Length: 0");
        return string.Join("\r\n", lines) + "\r\n\r\n";
    }

    /// <summary>Sends and returns the reply.</summary>
    public string Exchange(string request)
    {
        Peer.Send(_server, request);
        return Peer.ReceiveText(Wait);
    }

    /// <summary>REGISTER, answer the challenge with <paramref name="algorithm"/> (null: the first offered), return the final reply.</summary>
    public string Register(string contactLines, string? algorithm = null, string? extra = null)
    {
        var challenge = Exchange(RegisterText(contactLines, extra));
        if (SipText.StatusCode(challenge) != 401)
        {
            return challenge;
        }

        return Exchange(RegisterText(contactLines, extra, Credentials(challenge, "REGISTER", $"sip:{Domain}", algorithm, "WWW-Authenticate")));
    }

    /// <summary>The Authorization value answering <paramref name="challengeReply"/>'s challenge for <paramref name="algorithm"/>.</summary>
    public string Credentials(string challengeReply, string method, string uri, string? algorithm, string header, int nc = 1, string? password = null)
    {
        var challenges = Headers(challengeReply, header);
        var chosen = challenges.First(c => algorithm is null || c.Contains("algorithm=" + algorithm, StringComparison.OrdinalIgnoreCase));
        var realm = Param(chosen, "realm");
        var nonce = Param(chosen, "nonce");
        var alg = Param(chosen, "algorithm");
        var cnonce = Guid.NewGuid().ToString("N")[..8];
        var ncText = nc.ToString("x8", CultureInfo.InvariantCulture);
        var ha1 = H(alg, $"{User}:{realm}:{password ?? Password}");
        var ha2 = H(alg, $"{method}:{uri}");
        var response = H(alg, $"{ha1}:{nonce}:{ncText}:{cnonce}:auth:{ha2}");
        return $"Digest username=\"{User}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\", response=\"{response}\", algorithm={alg}, qop=auth, nc={ncText}, cnonce=\"{cnonce}\"";
    }

    public static IReadOnlyList<string> Headers(string message, string name) =>
        [.. message.Split("\r\n").TakeWhile(l => l.Length > 0)
            .Where(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))
            .Select(l => l[(name.Length + 1)..].Trim())];

    public static string Param(string challenge, string name)
    {
        var m = Regex.Match(challenge, name + @"=(""(?<q>[^""]*)""|(?<t>[^,\s]+))", RegexOptions.IgnoreCase);
        return m.Groups["q"].Success ? m.Groups["q"].Value : m.Groups["t"].Value;
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5351", Justification = "RFC 7616 digest: MD5 is one of the algorithms under test.")]
    private static string H(string algorithm, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return Convert.ToHexStringLower(algorithm.Equals("SHA-256", StringComparison.OrdinalIgnoreCase) ? SHA256.HashData(bytes) : MD5.HashData(bytes));
    }

    public void Dispose() => Peer.Dispose();
}
