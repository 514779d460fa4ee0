using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using ScriptedSip.Core.Stats;

namespace ScriptedSip.Core.Transport;

/// <summary>
/// One UDP socket, one receive thread and <c>Sip:Workers</c> worker threads. The receive thread
/// reads with the allocation-free <c>ReceiveFrom(Span, SocketFlags, SocketAddress)</c> on a
/// dedicated thread (blocking receive measured cheaper than async receive on Linux), applies the
/// size gate, and hands each datagram to the worker chosen by its Call-ID so one call's messages
/// are processed in arrival order. With one worker the receive thread processes inline.
/// Nothing but shutdown stops the loop: socket errors are logged and counted.
/// </summary>
public sealed partial class UdpListener : IDisposable
{
    private const int PoolLimit = 4096;

    private readonly Socket _socket;
    private readonly SipTransportOptions _options;
    private readonly int _minPacketSize;
    private readonly SipCounters _counters;
    private readonly ILogger _logger;
    private readonly IDatagramHandler[] _handlers;
    private readonly WorkerQueue[] _queues;
    private readonly ConcurrentQueue<InboundDatagram> _pool = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Thread> _threads = [];
    private int _pooled;
    private volatile bool _stopping;

    public UdpListener(
        ListenEndpoint endpoint,
        SipTransportOptions options,
        int minPacketSize,
        Func<UdpListener, IDatagramHandler> handlerFactory,
        SipCounters counters,
        ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handlerFactory);
        Endpoint = endpoint;
        _options = options;
        _minPacketSize = minPacketSize;
        _counters = counters;
        _logger = logger;
        _socket = new Socket(endpoint.Family, SocketType.Dgram, ProtocolType.Udp);
        if (endpoint.Family == AddressFamily.InterNetworkV6)
        {
            _socket.DualMode = false;
        }

        _socket.ReceiveBufferSize = 4 * 1024 * 1024;
        _socket.SendBufferSize = 4 * 1024 * 1024;
        _socket.Bind(endpoint.EndPoint);
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        Endpoint = new ListenEndpoint(LocalEndPoint); // port 0 in tests: the kernel's choice

        var workers = options.EffectiveWorkers;
        _handlers = new IDatagramHandler[workers];
        _queues = workers > 1 ? new WorkerQueue[workers] : [];
        for (var i = 0; i < workers; i++)
        {
            _handlers[i] = handlerFactory(this);
            if (workers > 1)
            {
                _queues[i] = new WorkerQueue(options.QueueLimit);
            }
        }
    }

    public ListenEndpoint Endpoint { get; }

    public IPEndPoint LocalEndPoint { get; }

    public void Start()
    {
        var receive = new Thread(ReceiveLoop) { IsBackground = true, Name = $"sip-rx {Endpoint}" };
        _threads.Add(receive);
        for (var i = 0; i < _queues.Length; i++)
        {
            var index = i;
            _threads.Add(new Thread(() => WorkerLoop(index)) { IsBackground = true, Name = $"sip-worker {index} {Endpoint}" });
        }

        foreach (var thread in _threads)
        {
            thread.Start();
        }

        LogListening(_logger, Endpoint.ToString(), _handlers.Length);
    }

    /// <summary>Sends one datagram from this listener's socket. Thread-safe, allocation-free.</summary>
    public bool Send(ReadOnlySpan<byte> datagram, SocketAddress destination)
    {
        try
        {
            _socket.SendTo(datagram, SocketFlags.None, destination);
            return true;
        }
        catch (SocketException ex)
        {
            LogSendError(_logger, ex.SocketErrorCode.ToString(), ex);
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>Stops receiving, lets the workers drain their queues, and waits for the threads.</summary>
    public void Stop(TimeSpan timeout)
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        _stop.Cancel();
        try
        {
            _socket.Shutdown(SocketShutdown.Receive);
        }
        catch (SocketException)
        {
            // Not connected: the close below still wakes the blocked receive.
        }

        _socket.Close();
        foreach (var thread in _threads)
        {
            thread.Join(timeout);
        }
    }

    public void Dispose()
    {
        Stop(TimeSpan.FromSeconds(2));
        _socket.Dispose();

        _stop.Dispose();
    }

    internal void ReturnToPool(InboundDatagram datagram)
    {
        datagram.Trim();
        if (Interlocked.Increment(ref _pooled) <= PoolLimit)
        {
            _pool.Enqueue(datagram);
        }
        else
        {
            Interlocked.Decrement(ref _pooled);
        }
    }

    /// <summary>A datagram built from stored bytes (a suspended transaction's request), as if it had just arrived here.</summary>
    public InboundDatagram CreateDatagram(ReadOnlySpan<byte> data, SocketAddress source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var datagram = RentDatagram();
        datagram.Fill(data, source);
        return datagram;
    }

    private InboundDatagram RentDatagram()
    {
        if (_pool.TryDequeue(out var item))
        {
            Interlocked.Decrement(ref _pooled);
            return item;
        }

        return new InboundDatagram(Endpoint.Family, this);
    }

    private void ReceiveLoop()
    {
        // One byte more than the limit, so an oversized datagram is seen as such and not silently cut.
        var buffer = GC.AllocateUninitializedArray<byte>(Math.Max(_options.MaxMessageSize + 1, 64 * 1024), pinned: true);
        var receiveBuffer = buffer.AsSpan(0, _options.MaxMessageSize + 1);
        var source = new SocketAddress(Endpoint.Family);
        while (!_stopping)
        {
            int length;
            try
            {
                length = _socket.ReceiveFrom(receiveBuffer, SocketFlags.None, source);
            }
            catch (SocketException ex) when (!_stopping)
            {
                // ICMP errors from earlier sends (port unreachable → ConnectionReset) surface here.
                _counters.Increment(SipCounter.ReceiveErrors);
                LogReceiveError(_logger, Endpoint.ToString(), ex.SocketErrorCode.ToString());
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

            _counters.Increment(SipCounter.Received);
            if (length > _options.MaxMessageSize)
            {
                _counters.Increment(SipCounter.Oversized);
                LogOversized(_logger, Describe(source), _options.MaxMessageSize);
                continue;
            }

            if (length < _minPacketSize)
            {
                _counters.Increment(SipCounter.TooSmall);
                continue;
            }

            var datagram = RentDatagram();
            datagram.Fill(receiveBuffer[..length], source);
            Dispatch(datagram);
        }
    }

    private void Dispatch(InboundDatagram datagram)
    {
        if (_queues.Length == 0)
        {
            Process(_handlers[0], datagram);
            return;
        }

        var worker = (int)(CallIdHasher.Hash(datagram.Data.Span, datagram.Source) % (uint)_queues.Length);
        if (_queues[worker].InFlight == 0)
        {
            // The worker for this call is idle: nothing of this call is in flight, so the receive
            // thread can do the work itself (with that worker's handler, which nobody else is using)
            // and save two thread switches. Under load the workers are busy and run in parallel.
            Process(_handlers[worker], datagram);
            return;
        }

        if (!_queues[worker].TryEnqueue(datagram))
        {
            _counters.Increment(SipCounter.QueueFull);
            LogQueueFull(_logger, worker, Endpoint.ToString());
            datagram.Release();
        }
    }

    private void WorkerLoop(int index)
    {
        var queue = _queues[index];
        var handler = _handlers[index];
        while (true)
        {
            var datagram = queue.Dequeue(_stop.Token);
            if (datagram is null)
            {
                if (_stopping && queue.Count == 0)
                {
                    return;
                }

                continue;
            }

            Process(handler, datagram);
            queue.Completed();
        }
    }

    private void Process(IDatagramHandler handler, InboundDatagram datagram)
    {
        try
        {
            handler.Handle(datagram);
        }
#pragma warning disable CA1031 // the last line of defence: a bug in one message must not stop the worker
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogHandlerCrash(_logger, Describe(datagram.Source), ex);
            datagram.Release();
        }
    }

    internal static string Describe(SocketAddress address)
    {
        try
        {
            return new IPEndPoint(IPAddress.Any, 0).Create(address).ToString() ?? "?";
        }
        catch (ArgumentException)
        {
            return "?";
        }
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Listening on {Endpoint} with {Workers} worker(s)")]
    private static partial void LogListening(ILogger logger, string endpoint, int workers);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Receive error on {Endpoint}: {Error}; the loop goes on")]
    private static partial void LogReceiveError(ILogger logger, string endpoint, string error);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "Dropped a datagram from {Source}: larger than Sip:MaxMessageSize ({Limit} bytes)")]
    private static partial void LogOversized(ILogger logger, string source, int limit);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Worker {Worker} on {Endpoint} is overloaded: datagram dropped")]
    private static partial void LogQueueFull(ILogger logger, int worker, string endpoint);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Error, Message = "Unexpected error processing a datagram from {Source}; the worker goes on")]
    private static partial void LogHandlerCrash(ILogger logger, string source, Exception exception);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "Send failed: {Error}")]
    private static partial void LogSendError(ILogger logger, string error, Exception exception);
}
