using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using ScriptedSip.Core.Scheduling;
using ScriptedSip.Core.Stats;

namespace ScriptedSip.Core.Transport;

/// <summary>
/// One UDP socket and its receive thread(s) (<c>Sip:ReceiveThreads</c>, default one). A thread reads with the allocation-free
/// <c>ReceiveFrom(Span, SocketFlags, SocketAddress)</c> (blocking receive on a dedicated thread was
/// measured cheaper than async receive on Linux) and applies the size gate. When the worker of the
/// message's call is idle it runs the turn itself, as that worker (two thread switches saved per
/// message); otherwise the scheduler queues it. A route that blocks cannot stop receiving:
/// <see cref="HandoffThreads"/> hands receiving to a new thread once an inline turn overruns its
/// budget. Nothing but shutdown stops the loop: socket errors are logged and counted.
/// With several receive threads they share the one socket, as Kamailio's children do: the kernel
/// wakes one blocked reader per datagram, so a single busy peer (one trunk, one load generator) is
/// spread over all of them — which also means two datagrams arriving microseconds apart may start
/// in either order (what UDP allows anyway; a call's turns still never overlap).
/// </summary>
public sealed partial class UdpListener : ISipTransport, IDisposable
{
    private readonly Socket _socket;
    private readonly SipTransportOptions _options;
    private readonly SipCounters _counters;
    private readonly ILogger _logger;
    private readonly SipScheduler _scheduler;
    private readonly DatagramIntake _intake;
    private readonly HandoffThreads[] _receivers;
    private readonly UdpErrorQueue? _errorQueue;
    private volatile bool _stopping;

    public UdpListener(
        ListenEndpoint endpoint,
        SipTransportOptions options,
        int minPacketSize,
        SipScheduler scheduler,
        IOverloadResponder overload,
        SipCounters counters,
        ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(overload);
        _options = options;
        _counters = counters;
        _logger = logger;
        _scheduler = scheduler;
        _intake = new DatagramIntake(options, minPacketSize, scheduler, overload, counters, logger);
        _socket = new Socket(endpoint.Family, SocketType.Dgram, ProtocolType.Udp);
        if (endpoint.Family == AddressFamily.InterNetworkV6)
        {
            _socket.DualMode = false;
        }

        _socket.ReceiveBufferSize = 4 * 1024 * 1024;
        _socket.SendBufferSize = 4 * 1024 * 1024;
        _socket.Bind(endpoint.EndPoint);
        _errorQueue = UdpErrorQueue.TryEnable(_socket, counters); // Linux: ICMP errors end their branch at once (UdpListener.ErrorQueue.cs)
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        ReceiveBufferBytes = _socket.ReceiveBufferSize; // as the kernel granted it (capped by net.core.rmem_max, doubled)
        Endpoint = endpoint with { EndPoint = LocalEndPoint }; // port 0 in tests: the kernel's choice; the advertised address stays
        _receivers = new HandoffThreads[Math.Max(1, options.ReceiveThreads)];
        for (var i = 0; i < _receivers.Length; i++)
        {
            var index = i;
            _receivers[i] = new HandoffThreads(me => ReceiveLoop(_receivers[index], me), "sip-rx " + Endpoint);
        }
    }

    public ListenEndpoint Endpoint { get; }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The socket's receive buffer in bytes, as the kernel reports it (the overload monitor's scale).</summary>
    public int ReceiveBufferBytes { get; }

    /// <summary>The bound socket, for reading its kernel queue (the overload monitor); nothing else may receive on it.</summary>
    internal Socket Socket => _socket;

    public SipProtocol Protocol => SipProtocol.Udp;

    public bool IsReliable => false;

    public ListenEndpoint Local => Endpoint;

    public void Start()
    {
        foreach (var receivers in _receivers)
        {
            receivers.Start();
        }

        LogListening(_logger, Endpoint.ToString(), _receivers.Length, _scheduler.WorkerCount);
    }

    /// <summary>Sends one datagram from this listener's socket. Thread-safe, allocation-free.</summary>
    public bool Send(ReadOnlySpan<byte> message, SocketAddress destination)
    {
        try
        {
            _socket.SendTo(message, SocketFlags.None, destination);
            return true;
        }
        catch (SocketException ex)
        {
            if (RetryAfterQueuedError(ex.SocketErrorCode, message, destination))
            {
                return true; // the error was an earlier datagram's ICMP error, not this one's
            }

            LogSendError(_logger, ex.SocketErrorCode.ToString(), ex);
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>Stops receiving and waits for the receive threads, <paramref name="timeout"/> for all of them together.</summary>
    public void Stop(TimeSpan timeout)
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        try
        {
            _socket.Shutdown(SocketShutdown.Receive);
        }
        catch (SocketException)
        {
            // Not connected: the close below still wakes the blocked receive.
        }

        _socket.Close();
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        foreach (var receivers in _receivers)
        {
            var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
            receivers.Stop(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        }
    }

    public void Dispose()
    {
        Stop(TimeSpan.FromSeconds(2));
        _socket.Dispose();
        foreach (var receivers in _receivers)
        {
            receivers.Dispose();
        }
    }

    /// <summary>Times receiving moved to another thread because a route run inline overran its budget.</summary>
    public int ReceiverHandoffs => _receivers.Sum(r => r.Handoffs);

    /// <summary>Threads receiving on this socket at the same time (<c>Sip:ReceiveThreads</c>).</summary>
    public int ReceiveThreads => _receivers.Length;

    /// <summary>Times the process's handoff watch parked because every loop was idle (the listeners' and the timer's).</summary>
    public static int ReceiveWatchParks => HandoffThreads.Parks;

    /// <summary>Looks at the receive loops made by the timer wheel's ticker after its ticks (process-wide; observable in tests).</summary>
    public static long ReceiveLooksByTicker => HandoffWatch.TickerLooks;

    /// <summary>Looks at the receive loops made by the hand-off watch's own thread (process-wide; observable in tests).</summary>
    public static long ReceiveLooksByWatch => HandoffWatch.OwnLooks;

    /// <summary>Times the hand-off watch's own thread woke to look at any loop (process-wide; observable in tests).</summary>
    public static long WatchWakes => HandoffWatch.Wakes;

    private void ReceiveLoop(HandoffThreads owner, HandoffThreads.Receiver me)
    {
        // One byte more than the limit, so an oversized datagram is seen as such and not silently cut.
        var buffer = GC.AllocateUninitializedArray<byte>(Math.Max(_options.MaxMessageSize + 1, 64 * 1024), pinned: true);
        var receiveBuffer = buffer.AsSpan(0, _options.MaxMessageSize + 1);
        var source = new SocketAddress(Endpoint.Family);
        while (!_stopping && owner.IsCurrent(me))
        {
            int length;
            try
            {
                length = _socket.ReceiveFrom(receiveBuffer, SocketFlags.None, source);
            }
            catch (SocketException ex) when (!_stopping)
            {
                // ICMP errors from earlier sends (port unreachable → ConnectionRefused) surface here:
                // on Linux read from the error queue, which ends their branches at once.
                _counters.Increment(SipCounter.ReceiveErrors);
                if (!DrainErrorQueue(ex.SocketErrorCode))
                {
                    LogReceiveError(_logger, Endpoint.ToString(), ex.SocketErrorCode.ToString());
                }

                continue;
            }
            catch (Exception) when (_stopping)
            {
                break;
            }

            if (_stopping)
            {
                break; // the shutdown that woke the receive, not a datagram
            }

            // The size gate, then inline or queued; should an inline route block, the watch hands
            // receiving to a new thread after HandoffThreads.Budget.
            _intake.Deliver(this, receiveBuffer[..length], source, me);
        }
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Listening on {Endpoint} ({ReceiveThreads} receive thread(s), {Workers} shared worker(s))")]
    private static partial void LogListening(ILogger logger, string endpoint, int receiveThreads, int workers);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Receive error on {Endpoint}: {Error}; the loop goes on")]
    private static partial void LogReceiveError(ILogger logger, string endpoint, string error);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "Send failed: {Error}")]
    private static partial void LogSendError(ILogger logger, string error, Exception exception);
}
