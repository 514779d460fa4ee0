using System.Globalization;
using Microsoft.Extensions.Logging;
using ScriptedSip.Sdk.Plugins;
using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Plugins.Auth;

/// <summary>How <see cref="Auth.AuthCheck"/> ended (negative: the request has been answered already).</summary>
public enum AuthResult
{
    /// <summary>Valid credentials for the From (To for REGISTER) user.</summary>
    Ok = 1,

    /// <summary>Wrong password (challenged again).</summary>
    InvalidPassword = -2,

    /// <summary>No such user (challenged again, the same as a wrong password on the wire).</summary>
    UnknownUser = -3,

    /// <summary>The nonce expired (challenged again with stale=true).</summary>
    StaleNonce = -4,

    /// <summary>No credentials for this realm (challenged).</summary>
    NoCredentials = -5,

    /// <summary>A nonce-count already used with this nonce (challenged again).</summary>
    Replayed = -6,

    /// <summary>Malformed credentials (answered 400) or an algorithm we do not offer (challenged).</summary>
    Malformed = -7,

    /// <summary>Too many failures from this address or for this user (answered 403).</summary>
    Blocked = -8,

    /// <summary>The credentials are another user's (answered 403).</summary>
    IdentityMismatch = -9,
}

/// <summary>
/// Digest authentication for scripts (Kamailio's auth + auth_db): RFC 3261 §22, RFC 7616 and
/// RFC 8760 with SHA-256 and MD5, qop=auth, stateless nonces, nonce-count replay protection and
/// failure limiting. <c>if (await Plugin&lt;Auth&gt;().AuthCheck(Message, "") != AuthResult.Ok) return;</c>
/// </summary>
public sealed partial class Auth
{
    private readonly AuthOptions _options;
    private readonly IReadOnlyList<string> _algorithms; // the options' list, de-duplicated once (read on every challenge and check)
    private readonly NonceService _nonces;
    private readonly FailureLimiter _failures;
    private readonly ILogger _logger;
    private volatile Func<string, string, Task<string?>>? _provider;

    internal Auth(AuthOptions options, NonceService nonces, FailureLimiter failures, ILogger logger)
    {
        _options = options;
        _algorithms = options.EffectiveAlgorithms;
        _nonces = nonces;
        _failures = failures;
        _logger = logger;
    }

    /// <summary><c>Plugins:Auth:Enabled</c>: whether the scripts should ask for credentials.</summary>
    public bool Enabled => _options.Enabled;

    /// <summary>
    /// Adds a source of users beside <c>Plugins:Auth:Users</c>: called with (user, realm), returns the
    /// password, <c>"ha1:&lt;hex&gt;"</c>, or null for an unknown user. It may be slow (HTTP, a
    /// database): the route awaits it without holding a worker. Null removes it.
    /// </summary>
    public void SetCredentialProvider(Func<string, string, Task<string?>>? provider) => _provider = provider;

    /// <summary>
    /// Checks the request's Digest credentials (Authorization for REGISTER, Proxy-Authorization
    /// otherwise) against <paramref name="realm"/> (empty: the To domain for REGISTER, else the From
    /// domain). Anything but <see cref="AuthResult.Ok"/> has been answered: a challenge (401 with
    /// WWW-Authenticate for REGISTER, 407 with Proxy-Authenticate otherwise, one per algorithm),
    /// 400 for malformed credentials, or 403. On success <c>Var["auth.user"]</c> holds the user.
    /// </summary>
    [RouteKinds(RouteKind.Request)]
    public async Task<AuthResult> AuthCheck(RouteGlobals message, string realm)
    {
        ArgumentNullException.ThrowIfNull(message);
        var register = message.IsMethod("REGISTER");
        var identity = UserAndDomain(register ? message.Tu : message.Fu);
        realm = Sanitize(string.IsNullOrWhiteSpace(realm) ? identity.Domain : realm);
        var source = message.Si;
        if (_failures.IsBlocked(FailureKind.Source, source))
        {
            return Refuse(message, 403, "Too many failed attempts", AuthResult.Blocked);
        }

        var (credentials, problem) = FindCredentials(message.HdrAll(register ? "Authorization" : "Proxy-Authorization"), realm);
        if (problem is not null)
        {
            LogMalformed(_logger, source, problem);
            return Refuse(message, 400, "Bad credentials: " + problem, AuthResult.Malformed);
        }

        if (credentials is null)
        {
            return Challenge(message, register, realm, stale: false, AuthResult.NoCredentials);
        }

        if (!_algorithms.Contains(credentials.Algorithm, StringComparer.OrdinalIgnoreCase))
        {
            LogMalformed(_logger, source, $"algorithm '{Shorten(credentials.Algorithm)}' is not offered");
            return Challenge(message, register, realm, stale: false, AuthResult.Malformed);
        }

        if (_failures.IsBlocked(FailureKind.User, credentials.Username))
        {
            return Refuse(message, 403, "Too many failed attempts", AuthResult.Blocked);
        }

        var nonceState = _nonces.CheckOrigin(credentials.Nonce, source, out var nonceSequence);
        if (nonceState == NonceState.Invalid)
        {
            return Challenge(message, register, realm, stale: false, AuthResult.NoCredentials);
        }

        var secret = LookupConfigured(credentials.Username);
        if (secret is null && _provider is { } provider)
        {
            // Resumes on the call's worker (the route's synchronization context): the reply below is sent from there.
            secret = await provider(credentials.Username, realm).ConfigureAwait(true);
        }

        var verdict = secret is null ? AuthResult.UnknownUser : Verify(secret, credentials, realm, message.Rm ?? string.Empty);
        if (verdict != AuthResult.Ok)
        {
            Fail(source, credentials.Username);
            return Challenge(message, register, realm, stale: false, verdict);
        }

        if (nonceState == NonceState.Stale)
        {
            return Challenge(message, register, realm, stale: true, AuthResult.StaleNonce);
        }

        var nc = credentials.NonceCount is null ? 1 : uint.Parse(credentials.NonceCount, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        // A retransmission carries the same top Via (branch) and CSeq as the request that used the count.
        var request = message.Hdr("Via") is { } via && message.Hdr("CSeq") is { } cseq ? HashCode.Combine(via, cseq) | 1 : 0;
        switch (_nonces.RecordCount(nonceSequence, nc, request))
        {
            case NonceCountResult.Replayed:
                LogReplay(_logger, source, credentials.Username);
                return Challenge(message, register, realm, stale: false, AuthResult.Replayed);
            case NonceCountResult.Untracked:
                return Challenge(message, register, realm, stale: true, AuthResult.StaleNonce);
        }

        if (!string.Equals(credentials.Username, identity.User, StringComparison.Ordinal))
        {
            LogMismatch(_logger, source, credentials.Username, identity.User);
            return Refuse(message, 403, "Forbidden auth ID", AuthResult.IdentityMismatch);
        }

        message.Var["auth.user"] = credentials.Username;
        return AuthResult.Ok;
    }

    /// <summary>Removes the credentials header before the request is relayed (consume_credentials).</summary>
    [RouteKinds(RouteKind.Request)]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "Scripts call it on the exported instance: Plugin<Auth>().ConsumeCredentials(Message).")]
    public int ConsumeCredentials(RouteGlobals message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.RemoveHf(message.IsMethod("REGISTER") ? "Authorization" : "Proxy-Authorization");
    }

    /// <summary>The first credentials for this realm; a malformed one is a problem (400) rather than skipped.</summary>
    private static (DigestCredentials? Credentials, string? Problem) FindCredentials(IReadOnlyList<string> headers, string realm)
    {
        foreach (var header in headers)
        {
            if (!DigestParser.TryParse(header, out var parsed, out var error))
            {
                return (null, error);
            }

            if (string.Equals(parsed!.Realm, realm, StringComparison.OrdinalIgnoreCase))
            {
                return (parsed, null);
            }
        }

        return (null, null);
    }

    private string? LookupConfigured(string user) => _options.Users.TryGetValue(user, out var secret) ? secret : null;

    /// <summary>
    /// Ok when the response matches the password or stored HA1; InvalidPassword otherwise (also when
    /// the stored HA1 is for another algorithm). Computed in stack buffers: nothing allocated.
    /// </summary>
    private static AuthResult Verify(string secret, DigestCredentials c, string realm, string method)
    {
        Span<char> ha1 = stackalloc char[DigestMath.MaxHexLength];
        int length;
        if (!secret.StartsWith("ha1:", StringComparison.OrdinalIgnoreCase))
        {
            length = DigestMath.Ha1(c.Algorithm, c.Username, realm, secret, ha1);
        }
        else
        {
            var stored = secret.AsSpan(4);
            if (stored.Length != (DigestMath.IsSha256(c.Algorithm) ? 64 : 32))
            {
                return AuthResult.InvalidPassword;
            }

            length = stored.ToLowerInvariant(ha1);
        }

        return DigestMath.ResponseMatches(c.Algorithm, ha1[..length], method, c) ? AuthResult.Ok : AuthResult.InvalidPassword;
    }

    private void Fail(string source, string user)
    {
        if (_failures.Fail(FailureKind.Source, source) | _failures.Fail(FailureKind.User, user))
        {
            LogLimited(_logger, source, user, _options.MaxFailures, _options.FailureWindowSeconds);
        }
    }

    private AuthResult Challenge(RouteGlobals message, bool register, string realm, bool stale, AuthResult result)
    {
        var nonce = _nonces.Issue(message.Si);
        var header = register ? "WWW-Authenticate" : "Proxy-Authenticate";
        foreach (var algorithm in _algorithms)
        {
            message.AppendToReply($"{header}: Digest realm=\"{realm}\", nonce=\"{nonce}\", qop=\"auth\", algorithm={algorithm.ToUpperInvariant()}{(stale ? ", stale=true" : string.Empty)}");
        }

        message.SlSendReply(register ? 401 : 407, register ? "Unauthorized" : "Proxy Authentication Required");
        return result;
    }

    private static AuthResult Refuse(RouteGlobals message, int status, string reason, AuthResult result)
    {
        message.SlSendReply(status, reason);
        return result;
    }

    private static (string User, string Domain) UserAndDomain(string? uri)
    {
        if (uri is null)
        {
            return (string.Empty, string.Empty);
        }

        var rest = uri[(uri.IndexOf(':', StringComparison.Ordinal) + 1)..];
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        var user = at < 0 ? string.Empty : rest[..at];
        var host = at < 0 ? rest : rest[(at + 1)..];
        var end = host.IndexOfAny([';', '?', '>']);
        host = end < 0 ? host : host[..end];
        var colon = host.StartsWith('[') ? host.IndexOf("]:", StringComparison.Ordinal) + 1 : host.LastIndexOf(':');
        return (user, colon > 0 ? host[..colon] : host);
    }

    /// <summary>The realm without the characters that would break its quoted-string; the same string when it has none (the usual case).</summary>
    private static string Sanitize(string realm) =>
        realm.AsSpan().IndexOfAny(RealmBreakers) < 0 ? realm : new([.. realm.Where(c => !RealmBreakers.Contains(c))]);

    private static readonly System.Buffers.SearchValues<char> RealmBreakers = System.Buffers.SearchValues.Create("\"\\\r\n");

    private static string Shorten(string text) => text.Length <= 32 ? text : text[..32] + "…";

    [LoggerMessage(EventId = 7201, Level = LogLevel.Warning, Message = "Authentication from {Source}: malformed credentials ({Problem})")]
    private static partial void LogMalformed(ILogger logger, string source, string problem);

    [LoggerMessage(EventId = 7202, Level = LogLevel.Warning, Message = "Authentication blocked: {Max} failures within {Window} s from {Source} or for user {User}; answering 403 until the window ends")]
    private static partial void LogLimited(ILogger logger, string source, string user, int max, int window);

    [LoggerMessage(EventId = 7203, Level = LogLevel.Warning, Message = "Authentication from {Source}: nonce-count replayed by user {User}")]
    private static partial void LogReplay(ILogger logger, string source, string user);

    [LoggerMessage(EventId = 7204, Level = LogLevel.Warning, Message = "Authentication from {Source}: user {User} authenticated for {Identity}'s request")]
    private static partial void LogMismatch(ILogger logger, string source, string user, string identity);
}
