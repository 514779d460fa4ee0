using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using ScriptedSip.Core.Scheduling;

namespace ScriptedSip.Core.Transport.Streams;

/// <summary>
/// Reads every plain-TCP connection of a listener on one thread of its own, as the UDP listener
/// reads its socket: one epoll wait, one non-blocking read per readable connection, framing, and
/// each message run as a turn right there when its call's worker is idle (queued to the worker
/// otherwise). A message therefore costs one thread wake and one read — where the
/// runtime's asynchronous reads cost the socket event thread's wake, three reads (the zero-byte
/// read, the read, the next zero-byte read) and a second wake for the worker.
/// <para>
/// A route that blocks cannot stop the reading: the turn runs under <see cref="HandoffThreads"/>,
/// whose watch gives the loop to a new thread once the turn overruns its budget. The blocked thread
/// has let go of its connection before the turn started (what followed the message kept in the
/// connection, read first by the new thread: <see cref="LetGoForTurn"/>), and the epoll set is
/// level-triggered, so the events it leaves unlooked-at come to the new thread. A thread's events
/// cover many connections; one connection is read by one thread at a time. Outgoing connections
/// connect through the same set (<see cref="ConnectAsync"/>). TLS connections keep the runtime's
/// asynchronous reads (the stream decrypts).
/// </para>
/// </summary>
internal sealed class StreamReadPoller : IDisposable
{
    private const int BatchSize = 64;

    private readonly Epoll _epoll;
    private readonly HandoffThreads _threads;
    private readonly ConcurrentDictionary<long, StreamConnection> _connections = new();
    private readonly ConcurrentQueue<StreamConnection> _retries = new();
    private readonly ConcurrentDictionary<long, TaskCompletionSource> _connecting = new();
    private readonly int _bufferSize;
    private long _nextToken;
    private StreamConnection? _letGo;
    private volatile bool _stopping;

    private StreamReadPoller(Epoll epoll, int maxMessageSize, string name)
    {
        _epoll = epoll;

        // Room for a whole message kept from the last read plus a read as large again: the framer
        // sees every message up to Sip:MaxMessageSize whole, and one past it as too large.
        _bufferSize = Math.Max(2 * (maxMessageSize + 1), 64 * 1024);
        _threads = new HandoffThreads(Loop, name);
    }

    /// <summary>Null where epoll is not available (not Linux): connections then read asynchronously.</summary>
    public static StreamReadPoller? TryCreate(int maxMessageSize, string name) =>
        Epoll.TryCreate() is { } epoll ? new StreamReadPoller(epoll, maxMessageSize, name) : null;

    /// <summary>Times reading moved to another thread because a route run inline overran its budget.</summary>
    public int Handoffs => _threads.Handoffs;

    /// <summary>Connections read here now.</summary>
    public int ConnectionCount => _connections.Count;

    public void Start() => _threads.Start();

    /// <summary>Starts reading an established connection; false when the kernel refused (the caller reads it asynchronously).</summary>
    public bool Add(StreamConnection connection, nint fd)
    {
        var token = Interlocked.Increment(ref _nextToken);
        _connections[token] = connection;
        connection.PollToken = token;
        if (_epoll.Watch(fd, token))
        {
            return true;
        }

        _connections.TryRemove(token, out _);
        connection.PollToken = 0;
        return false;
    }

    /// <summary>Stops reading a connection that is closing (before its socket is closed).</summary>
    public bool Remove(StreamConnection connection, nint fd) =>
        connection.PollToken != 0 && _connections.TryRemove(connection.PollToken, out _) && _epoll.Forget(fd);

    /// <summary>
    /// Connects <paramref name="socket"/> without the runtime's socket engine: a socket it has
    /// connected stays in its epoll set and wakes its event thread on every arriving segment, though
    /// nothing there waits (this thread reads it). A non-blocking connect, its end reported here once.
    /// </summary>
    public async Task ConnectAsync(Socket socket, EndPoint to, CancellationToken cancel)
    {
        socket.Blocking = false;
        try
        {
            socket.Connect(to);
            socket.Blocking = true;
            return;
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
        {
            // the usual case: the handshake is under way
        }

        var token = Interlocked.Increment(ref _nextToken);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _connecting[token] = done;
        try
        {
            if (!SocketHandles.Use(socket, fd => _epoll.WatchOnceWritable(fd, token)))
            {
                throw new SocketException((int)SocketError.SocketError);
            }

            using (cancel.UnsafeRegister(static (s, c) => ((TaskCompletionSource)s!).TrySetCanceled(c), done))
            {
                await done.Task.ConfigureAwait(false);
            }
        }
        finally
        {
            _connecting.TryRemove(token, out _);
            SocketHandles.Use(socket, fd => _epoll.Forget(fd)); // not when closed meanwhile: its number may be another socket's now
        }

        var error = socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error) is int code ? code : 0;
        if (error != 0)
        {
            throw new SocketException(error);
        }

        if (!socket.Connected)
        {
            throw new SocketException((int)SocketError.NotConnected);
        }

        socket.Blocking = true; // NetworkStream wants a blocking socket; the connection sets it back once made
    }

    /// <summary>
    /// A thread replaced during a turn left kept bytes of <paramref name="connection"/> that may hold
    /// whole messages, which no new byte may ever announce: the current thread looks at them.
    /// </summary>
    public void Retry(StreamConnection connection)
    {
        _retries.Enqueue(connection);
        _epoll.Wake();
    }

    /// <summary>Reports nothing for the connection until <see cref="Resume"/> (another thread is still delivering what it read).</summary>
    public bool Pause(StreamConnection connection, nint fd) => _epoll.Pause(fd, connection.PollToken);

    public bool Resume(StreamConnection connection, nint fd) => _epoll.Resume(fd, connection.PollToken);

    public void Stop(TimeSpan timeout)
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        _epoll.Wake();
        _threads.Stop(timeout);
    }

    public void Dispose()
    {
        Stop(TimeSpan.FromSeconds(2));
        _threads.Dispose();
        _epoll.Dispose();
    }

    private void CompleteConnects(byte[] events, int from, int count)
    {
        for (var j = from; j < count; j++)
        {
            if (_connecting.TryGetValue(Epoll.TokenOf(events, j), out var connected))
            {
                connected.TrySetResult();
            }
        }
    }

    /// <summary>A failure while reading one connection closes that connection, never the thread that reads all the others.</summary>
    private void ReadSafely(StreamConnection connection, byte[] buffer, HandoffThreads.Receiver me)
    {
        try
        {
            connection.ReadReady(buffer, me, this);
        }
#pragma warning disable CA1031 // the read thread must outlive any one connection's failure
        catch (Exception ex)
#pragma warning restore CA1031
        {
            connection.Close(CloseReason.Reset, "read failed: " + ex.Message);
        }
    }

    /// <summary>
    /// Before an inline turn: <paramref name="connection"/> was let go of with kept bytes (possibly
    /// whole messages). Should the turn block, the thread that takes over reads them first.
    /// </summary>
    public void LetGoForTurn(StreamConnection connection) => Volatile.Write(ref _letGo, connection);

    /// <summary>After the turn: true when the connection was still waiting here (no new thread took it).</summary>
    public bool TakeBack(StreamConnection connection) => ReferenceEquals(Interlocked.CompareExchange(ref _letGo, null, connection), connection);

    private void Loop(HandoffThreads.Receiver me)
    {
        var events = new byte[BatchSize * Epoll.EventSize];
        var buffer = GC.AllocateUninitializedArray<byte>(_bufferSize);

        // Taking over from a thread blocked in a turn: what it let go of and what it had not retried yet.
        if (Interlocked.Exchange(ref _letGo, null) is { } handedOver)
        {
            ReadSafely(handedOver, buffer, me);
        }

        while (_threads.IsCurrent(me) && _retries.TryDequeue(out var pending))
        {
            ReadSafely(pending, buffer, me);
        }

        while (!_stopping && _threads.IsCurrent(me))
        {
            var count = _epoll.Wait(events, -1);
            for (var i = 0; i < count && !_stopping; i++)
            {
                // Replaced while a turn of this batch ran: the new thread sees the rest (level-triggered),
                // except finished connects, which are reported once.
                if (!_threads.IsCurrent(me))
                {
                    CompleteConnects(events, i, count);
                    return;
                }

                var token = Epoll.TokenOf(events, i);
                if (token == Epoll.WakeToken)
                {
                    _epoll.ClearWake();
                    while (_threads.IsCurrent(me) && _retries.TryDequeue(out var retried))
                    {
                        ReadSafely(retried, buffer, me);
                    }
                }
                else if (_connections.TryGetValue(token, out var connection))
                {
                    ReadSafely(connection, buffer, me);
                }
                else if (_connecting.TryGetValue(token, out var connected))
                {
                    connected.TrySetResult();
                }
            }
        }
    }
}
