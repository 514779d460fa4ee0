using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace ScriptedSip.IntegrationTests.Infrastructure;

/// <summary>
/// One TCP (optionally TLS) connection on loopback that plays a SIP client or server in tests: sends
/// text or raw bytes and reads whole SIP messages, framed by Content-Length as the RFC asks.
/// </summary>
public sealed class StreamPeer : IDisposable
{
    private readonly Socket _socket;
    private Stream _stream;
    private readonly MemoryStream _pending = new();

    private StreamPeer(Socket socket, Stream stream)
    {
        _socket = socket;
        _stream = stream;
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public static async Task<StreamPeer> ConnectAsync(IPEndPoint to)
    {
        var socket = new Socket(to.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(to);
        return new StreamPeer(socket, new NetworkStream(socket, ownsSocket: false));
    }

    /// <summary>Connects and runs the TLS handshake as client with <paramref name="options"/> (throws when it fails).</summary>
    public static async Task<StreamPeer> ConnectTlsAsync(IPEndPoint to, SslClientAuthenticationOptions options)
    {
        var peer = await ConnectAsync(to);
        var ssl = new SslStream(peer._stream);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await ssl.AuthenticateAsClientAsync(options, timeout.Token);
        }
        catch
        {
            peer.Dispose();
            throw;
        }

        peer._stream = ssl;
        return peer;
    }

    /// <summary>Wraps an accepted socket (a test UAS), optionally securing it as a TLS server.</summary>
    public static async Task<StreamPeer> AcceptAsync(Socket listener, SslServerAuthenticationOptions? tls = null, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var socket = await listener.AcceptAsync(cancel.Token);
        Stream stream = new NetworkStream(socket, ownsSocket: false);
        if (tls is not null)
        {
            var ssl = new SslStream(stream);
            await ssl.AuthenticateAsServerAsync(tls, cancel.Token);
            stream = ssl;
        }

        return new StreamPeer(socket, stream);
    }

    public static Socket Listen(string address = "127.0.0.1")
    {
        var ip = IPAddress.Parse(address);
        var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(ip, 0));
        socket.Listen(100);
        return socket;
    }

    /// <summary>Half-closes: the peer reads end of stream after what was sent.</summary>
    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>The next whole SIP message; null when the connection closed first; throws after the timeout.</summary>
    public async Task<string?> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var buffer = new byte[65536];
        while (true)
        {
            if (TryTake(out var message))
            {
                return message;
            }

            int read;
            try
            {
                read = await _stream.ReadAsync(buffer, cancel.Token);
            }
            catch (IOException)
            {
                return null;
            }

            if (read == 0)
            {
                return null;
            }

            _pending.Write(buffer, 0, read);
        }
    }

    /// <summary>Reads raw bytes until the peer closes the connection (or the timeout); what arrived is returned.</summary>
    public async Task<(string Text, bool Closed)> ReadUntilClosedAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var buffer = new byte[65536];
        try
        {
            while (true)
            {
                var read = await _stream.ReadAsync(buffer, cancel.Token);
                if (read == 0)
                {
                    break;
                }

                _pending.Write(buffer, 0, read);
            }
        }
        catch (OperationCanceledException)
        {
            return (Encoding.UTF8.GetString(_pending.ToArray()), false);
        }
        catch (IOException)
        {
        }

        return (Encoding.UTF8.GetString(_pending.ToArray()), true);
    }

    public void Dispose()
    {
        _stream.Dispose();
        _socket.Dispose();
    }

    private bool TryTake(out string message)
    {
        message = string.Empty;
        var data = _pending.ToArray();
        var start = 0;
        while (start + 1 < data.Length && data[start] == '\r' && data[start + 1] == '\n')
        {
            start += 2; // keep-alive CRLFs between messages
        }

        var text = Encoding.UTF8.GetString(data, start, data.Length - start);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0)
        {
            return false;
        }

        var length = 0;
        foreach (var line in text[..end].Split("\r\n"))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[..colon].Trim() is var name && (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || name == "l"))
            {
                length = int.Parse(line[(colon + 1)..].Trim(), CultureInfo.InvariantCulture);
            }
        }

        var headerBytes = Encoding.UTF8.GetByteCount(text[..(end + 4)]);
        if (data.Length - start < headerBytes + length)
        {
            return false;
        }

        message = Encoding.UTF8.GetString(data, start, headerBytes + length);
        var rest = data.AsSpan(start + headerBytes + length).ToArray();
        _pending.SetLength(0);
        _pending.Write(rest);
        return true;
    }
}
