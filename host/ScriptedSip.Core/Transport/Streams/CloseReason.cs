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
