namespace ScriptedSip.Sdk.Plugins;

/// <summary>
/// Looks at every SIP request right after it parses — before the transaction layer and before any
/// route runs — and may drop it or answer it statelessly (flood protection, address blocking).
/// Added with <see cref="IPluginContext.AddRequestFilter"/>. It runs on the message path for every
/// request (retransmissions, ACK and CANCEL included), on any worker thread at once, so it must be
/// thread-safe, quick and should not allocate when it lets a request pass.
/// </summary>
public interface IRequestFilter
{
    /// <summary>Decides about one request.</summary>
    /// <param name="sourceAddress">The source IP address: 4 bytes (IPv4) or 16 bytes (IPv6), network order. Valid only during the call.</param>
    /// <param name="sourcePort">The source port.</param>
    /// <param name="method">The request method as sent (e.g. <c>INVITE</c>). Valid only during the call.</param>
    RequestFilterResult Check(ReadOnlySpan<byte> sourceAddress, int sourcePort, ReadOnlySpan<byte> method);
}

/// <summary>What a <see cref="IRequestFilter"/> decided.</summary>
public enum RequestFilterAction
{
    /// <summary>Go on: the next filter, then the transaction layer and the request route.</summary>
    Pass,

    /// <summary>Drop silently.</summary>
    Drop,

    /// <summary>Answer statelessly with <see cref="RequestFilterResult.Code"/> (an ACK is dropped instead) and go no further.</summary>
    Reply,
}

/// <summary>A filter's verdict: a small value, so passing a request allocates nothing.</summary>
public readonly record struct RequestFilterResult
{
    private RequestFilterResult(RequestFilterAction action, int code, string? reason, int retryAfterSeconds)
    {
        Action = action;
        Code = code;
        Reason = reason;
        RetryAfterSeconds = retryAfterSeconds;
    }

    /// <summary>Let the request go on.</summary>
    public static RequestFilterResult Pass => default;

    /// <summary>Drop the request silently.</summary>
    public static RequestFilterResult Drop => new(RequestFilterAction.Drop, 0, null, 0);

    /// <summary>What to do.</summary>
    public RequestFilterAction Action { get; }

    /// <summary>Status code of the reply (400..699) when <see cref="Action"/> is <see cref="RequestFilterAction.Reply"/>.</summary>
    public int Code { get; }

    /// <summary>Reason phrase of the reply; keep one instance (a constant) to allocate nothing per request.</summary>
    public string? Reason { get; }

    /// <summary>When above 0, the reply carries <c>Retry-After: N</c> (RFC 3261 §20.33).</summary>
    public int RetryAfterSeconds { get; }

    /// <summary>Answer the request statelessly with <paramref name="code"/> (400..699), optionally with Retry-After.</summary>
    public static RequestFilterResult Reply(int code, string reason, int retryAfterSeconds = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(code, 400);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(code, 699);
        ArgumentNullException.ThrowIfNull(reason);
        return new(RequestFilterAction.Reply, code, reason, Math.Max(0, retryAfterSeconds));
    }
}
