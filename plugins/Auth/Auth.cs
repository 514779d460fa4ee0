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
    private readonly string[] _algorithms; // the options' list, de-duplicated once (read on every challenge and check; an array: no enumerator)
    private readonly NonceService _nonces;
    private readonly FailureLimiter _failures;
    private readonly ILogger _logger;
    private volatile Func<string, string, Task<string?>>? _provider;

    internal Auth(AuthOptions options, NonceService nonces, FailureLimiter failures, ILogger logger)
    {
        _options = options;
        _algorithms = [.. options.EffectiveAlgorithms];
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
    public Task<AuthResult> AuthCheck(RouteGlobals message, string realm)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!TryExamine(message, realm, out var check, out var refusal))
        {
            return Completed(refusal);
        }

        var secret = LookupConfigured(check.Credentials.Username);
        return secret is null && _provider is { } provider
            ? ConcludeWithProviderAsync(check, provider)
            : Completed(Conclude(check, secret));
    }

    /// <summary>A check past its first steps, waiting for the user's secret.</summary>
    private readonly record struct PendingCheck(
        RouteGlobals Message, bool Register, string Realm, string Source, string User,
        DigestCredentials Credentials, NonceState NonceState, uint NonceSequence);

    /// <summary>
    /// The steps before the secret is needed: blocked sources, malformed or missing credentials, an
    /// algorithm not offered, a blocked user, a nonce not ours. False when one of them answered the
    /// request (<paramref name="refusal"/> says how).
    /// </summary>
    private bool TryExamine(RouteGlobals message, string realm, out PendingCheck check, out AuthResult refusal)
    {
        check = default;
        var register = message.IsMethod("REGISTER");
        var identity = UserAndDomain(register ? message.Tu : message.Fu);
        realm = Sanitize(string.IsNullOrWhiteSpace(realm) ? identity.Domain : realm);
        var source = message.Si;
        if (_failures.IsBlocked(FailureKind.Source, source))
        {
            refusal = Refuse(message, 403, "Too many failed attempts", AuthResult.Blocked);
            return false;
        }

        var (credentials, problem) = FindCredentials(message.HdrAll(register ? "Authorization" : "Proxy-Authorization"), realm);
        if (problem is not null)
        {
            LogMalformed(_logger, source, problem);
            refusal = Refuse(message, 400, "Bad credentials: " + problem, AuthResult.Malformed);
            return false;
        }

        if (credentials is null)
        {
            refusal = Challenge(message, register, realm, stale: false, AuthResult.NoCredentials);
            return false;
        }

        if (!Offers(credentials.Algorithm))
        {
            LogMalformed(_logger, source, $"algorithm '{Shorten(credentials.Algorithm)}' is not offered");
            refusal = Challenge(message, register, realm, stale: false, AuthResult.Malformed);
            return false;
        }

        if (_failures.IsBlocked(FailureKind.User, credentials.Username))
        {
            refusal = Refuse(message, 403, "Too many failed attempts", AuthResult.Blocked);
            return false;
        }

        var nonceState = _nonces.CheckOrigin(credentials.Nonce, source, out var nonceSequence);
        if (nonceState == NonceState.Invalid)
        {
            refusal = Challenge(message, register, realm, stale: false, AuthResult.NoCredentials);
            return false;
        }

        check = new PendingCheck(message, register, realm, source, identity.User, credentials, nonceState, nonceSequence);
        refusal = AuthResult.Ok;
        return true;
    }

    /// <summary>A user the configuration does not know: the provider may be slow, the route awaits it without holding a worker.</summary>
    private async Task<AuthResult> ConcludeWithProviderAsync(PendingCheck check, Func<string, string, Task<string?>> provider)
    {
        // Resumes on the call's worker (the route's synchronization context): the reply in Conclude is sent from there.
        var secret = await provider(check.Credentials.Username, check.Realm).ConfigureAwait(true);
        return Conclude(check, secret);
    }

    /// <summary>The steps with the secret: the response, a stale nonce, the nonce-count, the identity.</summary>
    private AuthResult Conclude(PendingCheck check, string? secret)
    {
        var (message, register, realm, source, user, credentials, nonceState, nonceSequence) = check;
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

        if (!string.Equals(credentials.Username, user, StringComparison.Ordinal))
        {
            LogMismatch(_logger, source, credentials.Username, user);
            return Refuse(message, 403, "Forbidden auth ID", AuthResult.IdentityMismatch);
        }

        message.Var["auth.user"] = credentials.Username;
        return AuthResult.Ok;
    }

    /// <summary>One finished task per result, shared: a check that needs no provider allocates no task.</summary>
    private static readonly Task<AuthResult>[] CompletedChecks = CompletedPerResult();

    private static Task<AuthResult> Completed(AuthResult result) => CompletedChecks[(int)result - (int)AuthResult.IdentityMismatch];

    private static Task<AuthResult>[] CompletedPerResult()
    {
        var tasks = new Task<AuthResult>[(int)AuthResult.Ok - (int)AuthResult.IdentityMismatch + 1];
        foreach (var result in Enum.GetValues<AuthResult>())
        {
            tasks[(int)result - (int)AuthResult.IdentityMismatch] = Task.FromResult(result);
        }

        return tasks;
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

        // Spans until the two results: one string each, nothing in between.
        var rest = uri.AsSpan(uri.IndexOf(':', StringComparison.Ordinal) + 1);
        var at = rest.IndexOf('@');
        var user = at < 0 ? [] : rest[..at];
        var host = at < 0 ? rest : rest[(at + 1)..];
        var end = host.IndexOfAny(HostEnd);
        host = end < 0 ? host : host[..end];
        var colon = host.StartsWith('[') ? host.IndexOf("]:", StringComparison.Ordinal) + 1 : host.LastIndexOf(':');
        return (user.ToString(), (colon > 0 ? host[..colon] : host).ToString());
    }

    private static readonly System.Buffers.SearchValues<char> HostEnd = System.Buffers.SearchValues.Create(";?>");

    private bool Offers(string algorithm)
    {
        foreach (var offered in _algorithms)
        {
            if (string.Equals(offered, algorithm, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
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
