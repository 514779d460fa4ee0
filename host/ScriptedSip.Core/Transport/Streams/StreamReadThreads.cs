using System.Net;
using System.Net.Sockets;

namespace ScriptedSip.Core.Transport.Streams;

/// <summary>
/// The read threads of one <c>tcp:</c> listener (<c>Tcp:ReadThreads</c>), each with its own epoll
/// set: a connection is given to one of them, in turn, when it opens, and stays with it. None where
/// epoll is not available or <c>Tcp:ReadThread</c> is off (then every connection is read asynchronously).
/// </summary>
internal sealed class StreamReadThreads : IDisposable
{
    private readonly StreamReadPoller[] _pollers;
    private int _next;

    public StreamReadThreads(int count, int maxMessageSize, IPEndPoint local)
    {
        var pollers = new List<StreamReadPoller>(count);
        for (var i = 0; i < count; i++)
        {
            var name = count == 1 ? "sip-tcp " + local : $"sip-tcp{i} {local}";
            if (StreamReadPoller.TryCreate(maxMessageSize, name) is not { } poller)
            {
                break; // no epoll here: the runtime's asynchronous reads
            }

            pollers.Add(poller);
        }

        _pollers = [.. pollers];
    }

    public int Count => _pollers.Length;

    public int[] ConnectionsPerThread => [.. _pollers.Select(p => p.ConnectionCount)];

    public int Handoffs => _pollers.Sum(p => p.Handoffs);

    public void Start()
    {
        foreach (var poller in _pollers)
        {
            poller.Start();
        }
    }

    public void Stop(TimeSpan timeout)
    {
        foreach (var poller in _pollers)
        {
            poller.Stop(timeout);
        }
    }

    public void Dispose()
    {
        foreach (var poller in _pollers)
        {
            poller.Dispose();
        }
    }

    /// <summary>Connects through the read thread that will read the connection, or the runtime's asynchronous connect when there is none.</summary>
    public Task ConnectAsync(StreamConnection connection, Socket socket, IPEndPoint to, CancellationToken cancel)
    {
        if (_pollers.Length == 0)
        {
            return socket.ConnectAsync(to, cancel).AsTask();
        }

        connection.Poller ??= Next();
        return connection.Poller.ConnectAsync(socket, to, cancel);
    }

    /// <summary>Starts reading an established connection on its read thread; false when there is none or the kernel refused.</summary>
    public bool StartPolling(StreamConnection connection, Socket socket)
    {
        if (_pollers.Length == 0)
        {
            return false;
        }

        var poller = connection.Poller ??= Next();
        if (!SocketHandles.Use(socket, fd => poller.Add(connection, fd)))
        {
            return !connection.IsOpen; // closed meanwhile: nothing to read; else the kernel refused: read asynchronously
        }

        if (!connection.IsOpen)
        {
            connection.StopPolling(); // closed while being added: Close may have looked before the token was set
        }

        return true;
    }

    private StreamReadPoller Next() => _pollers[(int)((uint)Interlocked.Increment(ref _next) % (uint)_pollers.Length)];
}
