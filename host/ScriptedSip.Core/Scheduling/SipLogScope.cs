using System.Globalization;
using System.Net;
using ScriptedSip.Core.Parsing;
using ScriptedSip.Core.Transport;

namespace ScriptedSip.Core.Scheduling;

/// <summary>
/// The message a log line written outside a route turn is about (a parse error, a transaction
/// timer, a refused datagram): the log layout's <c>${sip:…}</c> fields read it when no turn runs on
/// the thread. Set only around a line that is actually written, so the message path pays nothing.
/// </summary>
public static class SipLogScope
{
    [ThreadStatic]
    private static ISipLogContext? t_current;

    /// <summary>The subject set on this thread, or null.</summary>
    public static ISipLogContext? Current => t_current;

    /// <summary>Makes <paramref name="subject"/> the subject of this thread's lines until the scope is disposed.</summary>
    public static Scope Enter(ISipLogContext subject)
    {
        var previous = t_current;
        t_current = subject;
        return new Scope(previous);
    }

    public readonly struct Scope : IDisposable, IEquatable<Scope>
    {
        private readonly ISipLogContext? _previous;

        internal Scope(ISipLogContext? previous) => _previous = previous;

        public void Dispose() => t_current = _previous;

        public bool Equals(Scope other) => ReferenceEquals(_previous, other._previous);

        public override bool Equals(object? obj) => obj is Scope other && Equals(other);

        public override int GetHashCode() => _previous?.GetHashCode() ?? 0;

        public static bool operator ==(Scope left, Scope right) => left.Equals(right);

        public static bool operator !=(Scope left, Scope right) => !left.Equals(right);
    }
}

/// <summary>A log subject made for one line: Call-ID, method or status, source.</summary>
public sealed class LogSubject(string? callId, string? methodOrStatus, string source) : ISipLogContext
{
    public string? LogCallId { get; } = callId;

    public string? LogMethodOrStatus { get; } = methodOrStatus;

    public string LogSource { get; } = source;

    public string LogTag => LogCallId ?? LogSource;

    /// <summary>What can be read of a (possibly broken) message from <paramref name="source"/>.</summary>
    public static LogSubject Of(SipMessage message, SocketAddress source)
    {
        ArgumentNullException.ThrowIfNull(message);
        var callId = message.CallId.IsEmpty ? null : message.GetString(message.CallId);
        var method = message.IsRequest
            ? message.MethodToken.IsEmpty ? null : message.GetString(message.MethodToken)
            : message.StatusCode > 0 ? message.StatusCode.ToString(CultureInfo.InvariantCulture) : null;
        return new LogSubject(callId, method, SocketAddressText.Describe(source));
    }
}
