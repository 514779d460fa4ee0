using Microsoft.Extensions.Logging;
using ScriptedSip.Core.Stats;

namespace ScriptedSip.Core.Transport.Streams;

/// <summary>Why a connection ended; each has its own counter.</summary>
public enum CloseReason
{
    /// <summary>The peer closed it between messages.</summary>
    Eof,

    /// <summary>The peer closed it inside a message (fewer body bytes than Content-Length said).</summary>
    Truncated,

    /// <summary>Reset or another socket error.</summary>
    Reset,

    /// <summary>No traffic within Tcp:IdleTimeoutMs.</summary>
    Idle,

    /// <summary>A message (or the first one) not complete within Tcp:HeaderTimeoutMs.</summary>
    HeaderTimeout,

    /// <summary>Bytes that cannot be framed as SIP (after a 400 when the header section allowed one).</summary>
    BadFraming,

    /// <summary>The peer stopped reading and our queue for it filled.</summary>
    SendQueueFull,

    /// <summary>An outgoing connection could not be opened (refused, unreachable, Tcp:ConnectTimeoutMs).</summary>
    ConnectFailed,

    /// <summary>The TLS handshake failed (either direction).</summary>
    TlsHandshakeFailed,

    /// <summary>The server is stopping.</summary>
    Shutdown,
}

/// <summary>The counter and the log level of each way a connection ends.</summary>
internal static class CloseAccounting
{
    /// <summary>The reason's own counter (<see cref="SipCounter.TcpClosed"/> when it has none) and how loud its log line is.</summary>
    public static (SipCounter Counter, LogLevel Level) Of(CloseReason reason) => reason switch
    {
        CloseReason.Eof => (SipCounter.TcpClosedByPeer, LogLevel.Debug),
        CloseReason.Truncated => (SipCounter.TcpTruncated, LogLevel.Warning),
        CloseReason.Reset => (SipCounter.TcpReset, LogLevel.Debug),
        CloseReason.Idle => (SipCounter.TcpIdleClosed, LogLevel.Debug),
        CloseReason.HeaderTimeout => (SipCounter.TcpHeaderTimeouts, LogLevel.Warning),
        CloseReason.BadFraming => (SipCounter.TcpBadFraming, LogLevel.Warning),
        CloseReason.SendQueueFull => (SipCounter.TcpSendQueueFull, LogLevel.Warning),
        CloseReason.ConnectFailed => (SipCounter.TcpConnectFailed, LogLevel.Warning),
        CloseReason.TlsHandshakeFailed => (SipCounter.TlsHandshakeFailures, LogLevel.Warning),
        _ => (SipCounter.TcpClosed, LogLevel.Debug),
    };
}
