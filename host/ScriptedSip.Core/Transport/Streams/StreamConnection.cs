using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

namespace ScriptedSip.Core.Transport.Streams;

/// <summary>
/// One TCP or TLS connection, accepted or opened by us. Plain TCP is read by one of its listener's
/// read threads (<see cref="StreamReadPoller"/>); TLS, or TCP with <c>Tcp:ReadThread</c> off, with a
/// <see cref="PipeReader"/> (zero-byte reads). Either way an idle connection holds no receive
/// buffer; messages are cut with <see cref="StreamFramer"/> and handed on like datagrams, carrying this
/// connection as its transport: a reply to a request sent through <see cref="Send"/> to the
/// request's source goes back on this connection (RFC 3261 §18.2.2). Writes never block the caller:
/// on plain TCP with nothing queued they go to the socket at once with a non-blocking send (no
/// thread hand-off per message); otherwise — TLS, a connection still opening, a full kernel send
/// buffer, or bytes still queued — they are copied into an output pipe that one loop drains into
/// the stream. A peer that stops reading until 1 MiB is queued has its connection closed.
/// </summary>
public sealed partial class StreamConnection : ISipTransport
{
    private const int QueueLimit = 1024 * 1024;
    private static readonly StreamPipeReaderOptions ReaderOptions = new(bufferSize: 4096, minimumReadSize: 1024, leaveOpen: true, useZeroByteReads: true);
    private static readonly byte[] Pong = "\r\n"u8.ToArray();

    private readonly StreamListener _listener;
    private readonly Socket _socket;
    private readonly Pipe _output = new(new PipeOptions(pauseWriterThreshold: QueueLimit, resumeWriterThreshold: QueueLimit / 2, useSynchronizationContext: false));
    private readonly Lock _writeGate = new();
    private readonly TimeProvider _time;
    private Stream? _stream;
    private Task? _pendingFlush;
    private List<(Action<object, string> Failed, object State)>? _waiters;
    private long _lastActivity;
    private long _messageStartedAt;
    private int _closed;
    private bool _writerCompleted;
    private Action? _writesDone;

    // Plain TCP, established: a write may go straight to the (non-blocking) socket while nothing
    // is queued in the pipe. _queued counts bytes in the pipe the write loop has not yet written.
    private bool _sendDirect;
    private long _queued;

    internal StreamConnection(StreamListener listener, Socket socket, SocketAddress remote, bool inbound, string? serverName, TimeProvider time)
    {
        _listener = listener;
        _socket = socket;
        _time = time;
        Remote = remote;
        RemoteEndPoint = (IPEndPoint)new IPEndPoint(remote.Family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0).Create(remote);
        Inbound = inbound;
        ServerName = serverName;
        _lastActivity = time.GetTimestamp();

        // A new connection must send its first message within Tcp:HeaderTimeoutMs too: one that opens
        // and stays silent holds a slot of Tcp:MaxConnections, so it is closed like a slow header.
        _messageStartedAt = inbound ? _lastActivity : 0;
    }

    /// <summary>The listener this connection belongs to (requests to other destinations leave through it).</summary>
    public StreamListener Listener => _listener;

    /// <summary>The peer's address (a copy owned by the connection).</summary>
    public SocketAddress Remote { get; }

    public IPEndPoint RemoteEndPoint { get; }

    /// <summary>Accepted by a listener (false: opened by us towards a next hop).</summary>
    public bool Inbound { get; }

    /// <summary>The host name an outgoing TLS connection checked the server's certificate against; null otherwise.</summary>
    public string? ServerName { get; }

    public bool IsOpen => Volatile.Read(ref _closed) == 0;

    public SipProtocol Protocol => _listener.Protocol;

    public bool IsReliable => true;

    public ListenEndpoint Local => _listener.Local;

    /// <summary>
    /// To the peer of this connection: written on it. To anyone else: through the listener, which
    /// reuses or opens a connection to that destination. A reply to the peer of an accepted
    /// connection that has closed goes to the peer's address on its Via sent-by port (RFC 3261
    /// §18.2.2): a new connection to where the client listens.
    /// </summary>
    public bool Send(ReadOnlySpan<byte> message, SocketAddress destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (destination.Equals(Remote))
        {
            if (IsOpen)
            {
                return Write(message);
            }

            if (Inbound && ClosedConnectionReply.TryTarget(message, Remote, Protocol, out var sentBy))
            {
                return _listener.Send(message, sentBy);
            }
        }

        return _listener.Send(message, destination);
    }

    /// <summary>Calls <paramref name="failed"/> (on a thread-pool thread) if this connection fails before it is established; at once when it already has.</summary>
    internal void OnFailure(Action<object, string> failed, object state)
    {
        lock (_writeGate)
        {
            if (IsOpen)
            {
                if (_stream is null)
                {
                    (_waiters ??= []).Add((failed, state));
                }

                return;
            }
        }

        ThreadPool.QueueUserWorkItem(_ => failed(state, "the connection to the next hop is closed"));
    }

    /// <summary>Opens (outgoing: connect, then TLS as client) or secures (accepted TLS), then reads until the connection ends.</summary>
    internal async Task RunAsync(IPEndPoint? connectTo)
    {
        var (opened, failure, detail) = await StreamOpener.OpenAsync(this, _socket, connectTo, _listener, Inbound, ServerName ?? RemoteEndPoint.Address.ToString(), _time).ConfigureAwait(false);
        if (opened is not { } stream)
        {
            Close(failure, detail);
            return;
        }

        List<(Action<object, string>, object)>? established;
        lock (_writeGate)
        {
            _stream = stream;
            if (stream is NetworkStream && IsOpen)
            {
                // After the NetworkStream is made (it refuses a non-blocking socket); its async
                // reads and writes do not depend on the flag, the direct sends must not wait.
                _socket.Blocking = false;
                _sendDirect = true;
            }

            established = _waiters;
            _waiters = null;
        }

        if (!IsOpen)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            return;
        }

        if (connectTo is not null)
        {
            _listener.OnEstablished(this);
        }

        var writing = WriteLoopAsync(stream);
        if (stream is not NetworkStream || !_listener.StartPolling(this, _socket))
        {
            await ReadLoopAsync(stream).ConfigureAwait(false);
        }

        await writing.ConfigureAwait(false);
    }

    /// <summary>Closes when a message has not completed within the header timeout, or nothing moved within the idle timeout.</summary>
    internal void CheckTimers(long now, TimeSpan headerTimeout, TimeSpan idleTimeout)
    {
        var started = Volatile.Read(ref _messageStartedAt);
        if (started != 0 && _time.GetElapsedTime(started, now) > headerTimeout)
        {
            Close(CloseReason.HeaderTimeout, $"no complete message within Tcp:HeaderTimeoutMs ({headerTimeout.TotalMilliseconds} ms)");
        }
        else if (_time.GetElapsedTime(Volatile.Read(ref _lastActivity), now) > idleTimeout)
        {
            Close(CloseReason.Idle, $"idle for Tcp:IdleTimeoutMs ({idleTimeout.TotalMilliseconds} ms)");
        }
    }

    /// <summary>Closes at once (once; later calls do nothing): counted and logged by the listener, waiters told.</summary>
    internal void Close(CloseReason reason, string detail)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        List<(Action<object, string> Failed, object State)>? waiters;
        lock (_writeGate)
        {
            waiters = _waiters;
            _waiters = null;
            _writerCompleted = true;
            _output.Writer.Complete();
        }

        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // not connected (yet): closing is enough
        }
        catch (ObjectDisposedException)
        {
        }

        StopPolling();
        _socket.Dispose();
        _stream?.Dispose();
        _listener.OnClosed(this, reason, detail);
        if (waiters is not null)
        {
            var why = reason == CloseReason.ConnectFailed ? "cannot connect: " + detail : detail;
            foreach (var (failed, state) in waiters)
            {
                ThreadPool.QueueUserWorkItem(_ => failed(state, why));
            }
        }
    }

    private async Task ReadLoopAsync(Stream stream)
    {
        var reader = PipeReader.Create(stream, ReaderOptions);
        try
        {
            while (IsOpen)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                var now = _time.GetTimestamp();
                Volatile.Write(ref _lastActivity, now);
                if (!Consume(ref buffer))
                {
                    return;
                }

                MarkPartial(buffer.IsEmpty, now);
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    if (buffer.IsEmpty)
                    {
                        Close(CloseReason.Eof, "closed by the peer");
                    }
                    else
                    {
                        Close(CloseReason.Truncated, $"closed by the peer inside a message ({buffer.Length} bytes of it received)");
                    }

                    return;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            Close(CloseReason.Reset, ex.Message);
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Bytes of a message that has not ended yet: the header timeout runs from its first byte.</summary>
    private void MarkPartial(bool none, long now) =>
        Volatile.Write(ref _messageStartedAt, none ? 0 : Volatile.Read(ref _messageStartedAt) is 0 ? now : _messageStartedAt);

    /// <summary>Frames and queues every whole message in <paramref name="buffer"/>; false when the connection was closed for bad framing.</summary>
    private bool Consume(ref ReadOnlySequence<byte> buffer)
    {
        while (true)
        {
            switch (Step(ref buffer, out var message))
            {
                case StepResult.NeedMore:
                    return true;
                case StepResult.Closed:
                    return false;
                case StepResult.Message:
                    _listener.Delivery.Dispatch(message!);
                    break;
            }
        }
    }

    /// <summary>
    /// Takes one frame off the front of <paramref name="buffer"/>: a whole message (counted and
    /// copied out, for the caller to deliver), a keep-alive (answered), bad framing (the 400 when one
    /// can be written, then closed), or nothing yet.
    /// </summary>
    private StepResult Step(ref ReadOnlySequence<byte> buffer, out InboundDatagram? message)
    {
        message = null;
        var frame = StreamFramer.Next(buffer, _listener.MaxMessageSize);
        switch (frame.Kind)
        {
            case FrameKind.NeedMore:
                return StepResult.NeedMore;
            case FrameKind.Message:
                message = _listener.Delivery.Take(this, buffer.Slice(0, frame.Length));
                Volatile.Write(ref _messageStartedAt, 0);
                buffer = buffer.Slice(frame.Length);
                return StepResult.Message;
            case FrameKind.Ping:
                _listener.CountPing();
                Write(Pong);
                buffer = buffer.Slice(frame.Length);
                return StepResult.Skipped;
            case FrameKind.Pong:
                buffer = buffer.Slice(frame.Length);
                return StepResult.Skipped;
            default:
                if (frame.CanReply)
                {
                    _listener.ReplyBadFraming(this, buffer.Slice(0, frame.Length), frame.Error!);
                }

                CloseAfterWrites(CloseReason.BadFraming, frame.Error!);
                return StepResult.Closed;
        }
    }

    private enum StepResult
    {
        NeedMore,
        Message,
        Skipped,
        Closed,
    }
}
