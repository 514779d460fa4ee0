using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ScriptedSip.IntegrationTests.Infrastructure;

/// <summary>A UDP socket on loopback that plays the SIP client (or any sender) in tests.</summary>
public sealed class UdpPeer : IDisposable
{
    private readonly Socket _socket;

    public UdpPeer(string address = "127.0.0.1")
    {
        var ip = IPAddress.Parse(address); // "::1" for an IPv6 peer
        _socket = new Socket(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.ReceiveBufferSize = 4 * 1024 * 1024; // bursts of replies in tests must not overflow it
        _socket.Bind(new IPEndPoint(ip, 0));
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public int Port => LocalEndPoint.Port;

    /// <summary>A UDP port on 127.0.0.1 that was free a moment ago (for processes that need a fixed port).</summary>
    public static int FreePort()
    {
        using var probe = new UdpPeer();
        return probe.Port;
    }

    public void Send(IPEndPoint to, string text) => Send(to, Encoding.UTF8.GetBytes(text));

    public void Send(IPEndPoint to, byte[] bytes) => _socket.SendTo(bytes, to);

    /// <summary>The next datagram, or null after <paramref name="timeout"/>.</summary>
    public (string Text, IPEndPoint From)? Receive(TimeSpan timeout)
    {
        var buffer = new byte[70000];
        EndPoint from = new IPEndPoint(_socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        _socket.ReceiveTimeout = (int)Math.Max(1, timeout.TotalMilliseconds);
        try
        {
            var length = _socket.ReceiveFrom(buffer, ref from);
            return (Encoding.UTF8.GetString(buffer, 0, length), (IPEndPoint)from);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.TimedOut || ex.SocketErrorCode == SocketError.WouldBlock)
        {
            return null;
        }
    }

    /// <summary>
    /// Negative proof without a silence window: call it once the server has counted the message as
    /// fully processed. A server on loopback hands a reply to this socket inside its sendto, before
    /// it counts the message, so anything it sent is already queued here.
    /// </summary>
    public void AssertNothingReceived(string because = "nothing is sent back") =>
        Assert.That(_socket.Available, Is.Zero, because);

    public string ReceiveText(TimeSpan timeout) =>
        Receive(timeout)?.Text ?? throw new AssertionException($"no datagram within {timeout.TotalMilliseconds} ms");

    public void Dispose() => _socket.Dispose();
}
