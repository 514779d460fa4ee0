using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using ScriptedSip.Core.Messages;
using ScriptedSip.Core.Parsing;
using ScriptedSip.Core.Scheduling;
using ScriptedSip.Core.Stats;

namespace ScriptedSip.Core.Transport.Streams;

/// <summary>
/// A <c>tcp:</c> or <c>tls:</c> listen address: accepts connections (at most
/// <c>Tcp:MaxConnections</c>, counting the ones we open), keeps every open connection keyed by the
/// peer's address (and, for TLS we opened, the server name checked), and sends a message to a
/// destination over the open connection to it, or opens one asynchronously — the caller (a worker)
/// never waits for a connect. Messages of every connection enter the same scheduler path as UDP
/// datagrams. One timer closes connections past <c>Tcp:HeaderTimeoutMs</c> or <c>Tcp:IdleTimeoutMs</c>.
/// </summary>
public sealed class StreamListener : ISipTransport, IDisposable
{
    private readonly Socket _socket;
    private readonly SipTransportOptions _sip;
    private readonly SipScheduler _scheduler;
    private readonly SipCounters _counters;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<ConnectionKey, StreamConnection> _connections = [];
    private readonly Lock _gate = new();
    private readonly BadFramingReplier _badFraming;
    private readonly StreamReadThreads _readThreads;
    private ITimer? _sweep;
    private Task? _accepting;
    private long _lastRefusalLog;
    private long _refusedSinceLog;
    private volatile bool _stopping;

    public StreamListener(
        ListenEndpoint endpoint,
        SipTransportOptions sip,
        TcpOptions tcp,
        TlsContext? tls,
        SipScheduler scheduler,
        IOverloadResponder overload,
        StatelessReplier replier,
        SipCounters counters,
        TimeProvider time,
        ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(sip);
        ArgumentNullException.ThrowIfNull(tcp);
        if (endpoint.Protocol == SipProtocol.Udp)
        {
            throw new ArgumentException("a stream listener listens on tcp: or tls:", nameof(endpoint));
        }

        if (endpoint.Protocol == SipProtocol.Tls && tls is null)
        {
            throw new ArgumentNullException(nameof(tls), "a tls: listener needs the TLS settings");
        }

        _sip = sip;
        Tcp = tcp;
        Tls = endpoint.Protocol == SipProtocol.Tls ? tls : null;
        _scheduler = scheduler;
        _badFraming = new BadFramingReplier(replier, counters);
        _counters = counters;
        Delivery = new StreamDelivery(scheduler, overload, counters);
        _time = time;
        _logger = logger;
        _socket = new Socket(endpoint.Family, SocketType.Stream, ProtocolType.Tcp);
        if (endpoint.Family == AddressFamily.InterNetworkV6)
        {
            _socket.DualMode = false;
        }

        _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _socket.Bind(endpoint.EndPoint);
        _socket.Listen(1024);
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        Local = endpoint with { EndPoint = LocalEndPoint };
        _readThreads = new StreamReadThreads(endpoint.Protocol == SipProtocol.Tcp && tcp.ReadThread ? Math.Max(1, tcp.ReadThreads) : 0, sip.MaxMessageSize, LocalEndPoint);
    }

    /// <summary>True when plain-TCP connections are read by the listener's own threads (Linux), false when by the runtime's asynchronous reads.</summary>
    public bool PollsReads => _readThreads.Count > 0;

    /// <summary>The listener's read threads (Tcp:ReadThreads; 0 when connections are read asynchronously).</summary>
    public int ReadThreads => _readThreads.Count;

    /// <summary>Connections each read thread reads now.</summary>
    public int[] ConnectionsPerReadThread => _readThreads.ConnectionsPerThread;

    /// <summary>Times reading moved to another thread because a route run inline by a read thread overran its budget.</summary>
    public int ReadHandoffs => _readThreads.Handoffs;

    public IPEndPoint LocalEndPoint { get; }

    public ListenEndpoint Local { get; }

    public SipProtocol Protocol => Local.Protocol;

    public bool IsReliable => true;

    public TcpOptions Tcp { get; }

    /// <summary>The TLS settings of a <c>tls:</c> listener; null for <c>tcp:</c>.</summary>
    public TlsContext? Tls { get; }

    internal int MaxMessageSize => _sip.MaxMessageSize;

    /// <summary>Connections open now (accepted and ours).</summary>
    public int ConnectionCount
    {
        get
        {
            lock (_gate)
            {
                return _connections.Count;
            }
        }
    }

    public void Start()
    {
        var period = TimeSpan.FromMilliseconds(Math.Clamp(Math.Min(Tcp.HeaderTimeoutMs, Tcp.IdleTimeoutMs) / 4, 20, 1000));
        _sweep = _time.CreateTimer(static s => ((StreamListener)s!).Sweep(), this, period, period);
        _readThreads.Start();

        _accepting = Task.Run(AcceptLoopAsync);
        StreamLog.Listening(_logger, Local.ToString(), _scheduler.WorkerCount);
    }

    /// <summary>Sends over the open connection to <paramref name="destination"/>, or opens one (without waiting for it).</summary>
    public bool Send(ReadOnlySpan<byte> message, SocketAddress destination) => Send(message, destination, null, null, null);

    /// <summary>
    /// Sends over the open connection to <paramref name="destination"/> (for TLS: one that checked
    /// <paramref name="serverName"/>), or opens one and sends once it is up. <paramref name="failed"/>
    /// is called on a thread-pool thread when that connection cannot be opened (refused, timed out,
    /// handshake failed, Tcp:MaxConnections reached) — never on the caller's thread.
    /// False when the message could not even be queued.
    /// </summary>
    public bool Send(ReadOnlySpan<byte> message, SocketAddress destination, string? serverName, Action<object, string>? failed, object? state)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var name = Protocol == SipProtocol.Tls ? serverName?.ToLowerInvariant() : null;
        StreamConnection? connection;
        Socket? socket = null;
        var refused = false;
        lock (_gate)
        {
            if (!_connections.TryGetValue(new ConnectionKey(destination, name), out connection)
                && (name is null || !_connections.TryGetValue(new ConnectionKey(destination, null), out connection))
                && (name is not null || Protocol != SipProtocol.Tls || !TryFindAnyName(destination, out connection)))
            {
                if (_stopping || _connections.Count >= Tcp.MaxConnections)
                {
                    refused = true;
                }
                else
                {
                    var remote = SocketAddressText.Copy(destination);
                    socket = new Socket(Local.Family, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    if (!Local.IsWildcard)
                    {
                        socket.Bind(new IPEndPoint(LocalEndPoint.Address, 0));
                    }

                    connection = new StreamConnection(this, socket, remote, inbound: false, name, _time);
                    _connections[new ConnectionKey(remote, name)] = connection;
                }
            }
        }

        if (refused)
        {
            _counters.Increment(SipCounter.TcpRefused);
            LogRefusal("an outgoing connection");
            if (failed is not null)
            {
                ThreadPool.QueueUserWorkItem(_ => failed(state!, $"Tcp:MaxConnections ({Tcp.MaxConnections}) are open"));
            }

            return false;
        }

        var queued = connection!.Write(message);
        if (failed is not null)
        {
            connection.OnFailure(failed, state!);
        }

        if (socket is not null)
        {
            _counters.Increment(SipCounter.TcpConnecting);
            _ = connection.RunAsync(connection.RemoteEndPoint);
        }

        return queued;
    }

    /// <summary>Stops accepting and closes every connection.</summary>
    public void Stop()
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        _sweep?.Dispose();
        _socket.Close();
        StreamConnection[] open;
        lock (_gate)
        {
            open = [.. _connections.Values];
        }

        foreach (var connection in open)
        {
            connection.Close(CloseReason.Shutdown, "the server is stopping");
        }

        _accepting?.Wait(TimeSpan.FromSeconds(2));
        _readThreads.Stop(TimeSpan.FromSeconds(2));
    }

    public void Dispose()
    {
        Stop();
        _socket.Dispose();
        _readThreads.Dispose();
    }

    /// <summary>Connects an outgoing socket: through a read thread when plain TCP is read there, else the runtime's asynchronous connect.</summary>
    internal Task ConnectAsync(StreamConnection connection, Socket socket, IPEndPoint to, CancellationToken cancel) =>
        _readThreads.ConnectAsync(connection, socket, to, cancel);

    /// <summary>Reads an established plain-TCP connection on a read thread; false when there is none (the caller reads asynchronously).</summary>
    internal bool StartPolling(StreamConnection connection, Socket socket) => _readThreads.StartPolling(connection, socket);

    /// <summary>Where the messages of this listener's connections go: counted, then run inline or queued to their workers.</summary>
    internal StreamDelivery Delivery { get; }

    internal void CountPing() => _counters.Increment(SipCounter.TcpKeepAlives);

    /// <summary>A 400 for a header section that parsed but cannot be framed (no or bad Content-Length, too large).</summary>
    internal void ReplyBadFraming(StreamConnection connection, System.Buffers.ReadOnlySequence<byte> headerSection, string problem) =>
        _badFraming.Reply(connection, headerSection, problem);

    internal void OnEstablished(StreamConnection connection) => _counters.Increment(SipCounter.TcpEstablished);

    /// <summary>Forgets a closed connection, counts it by reason and logs it once.</summary>
    internal void OnClosed(StreamConnection connection, CloseReason reason, string detail)
    {
        lock (_gate)
        {
            var key = new ConnectionKey(connection.Remote, connection.ServerName);
            if (_connections.TryGetValue(key, out var mapped) && ReferenceEquals(mapped, connection))
            {
                _connections.Remove(key);
            }
        }

        var peer = SocketAddressText.Describe(connection.Remote);
        var (counter, level) = CloseAccounting.Of(reason);

        // Logged before counted: whoever watches a counter finds the line already written.
        StreamLog.Closed(_logger, level, Local.ToString(), peer, reason.ToString(), detail);
        if (counter != SipCounter.TcpClosed)
        {
            _counters.Increment(counter);
        }

        _counters.Increment(SipCounter.TcpClosed);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping)
        {
            Socket accepted;
            try
            {
                accepted = await _socket.AcceptAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                if (_stopping)
                {
                    return;
                }

                StreamLog.AcceptError(_logger, Local.ToString(), ex.Message);
                continue;
            }

            Accept(accepted);
        }
    }

    private void Accept(Socket accepted)
    {
        StreamConnection? connection = null;
        lock (_gate)
        {
            if (!_stopping && _connections.Count < Tcp.MaxConnections && accepted.RemoteEndPoint is IPEndPoint remote)
            {
                var address = remote.Serialize();
                connection = new StreamConnection(this, accepted, address, inbound: true, serverName: null, _time);
                _connections[new ConnectionKey(address, null)] = connection;
            }
        }

        if (connection is null)
        {
            accepted.Dispose();
            _counters.Increment(SipCounter.TcpRefused);
            LogRefusal("a new connection");
            return;
        }

        accepted.NoDelay = true;
        _counters.Increment(SipCounter.TcpAccepted);
        _ = connection.RunAsync(connectTo: null);
    }

    /// <summary>At most one line per second for refusals, with the count since the last one: a flood must not flood the log.</summary>
    private void LogRefusal(string what)
    {
        var count = Interlocked.Increment(ref _refusedSinceLog);
        var now = _time.GetTimestamp();
        var last = Interlocked.Read(ref _lastRefusalLog);
        if ((last == 0 || _time.GetElapsedTime(last, now) >= TimeSpan.FromSeconds(1)) && Interlocked.CompareExchange(ref _lastRefusalLog, now, last) == last)
        {
            Interlocked.Add(ref _refusedSinceLog, -count);
            StreamLog.Refused(_logger, Local.ToString(), what, Tcp.MaxConnections, count);
        }
    }

    private void Sweep()
    {
        StreamConnection[] open;
        lock (_gate)
        {
            if (_connections.Count == 0)
            {
                return;
            }

            open = [.. _connections.Values];
        }

        var now = _time.GetTimestamp();
        var header = TimeSpan.FromMilliseconds(Tcp.HeaderTimeoutMs);
        var idle = TimeSpan.FromMilliseconds(Tcp.IdleTimeoutMs);
        foreach (var connection in open)
        {
            connection.CheckTimers(now, header, idle);
        }
    }

    /// <summary>
    /// A TLS connection we opened to <paramref name="destination"/> under any server name: a CANCEL or
    /// hop-by-hop ACK follows its INVITE on the same connection without knowing the name. Rare: a scan.
    /// </summary>
    private bool TryFindAnyName(SocketAddress destination, out StreamConnection? connection)
    {
        foreach (var (key, open) in _connections)
        {
            if (key.Address.Equals(destination))
            {
                connection = open;
                return true;
            }
        }

        connection = null;
        return false;
    }

    /// <summary>A connection's identity: the peer's address, and for TLS we opened the name its certificate was checked against.</summary>
    private readonly record struct ConnectionKey(SocketAddress Address, string? ServerName);
}
