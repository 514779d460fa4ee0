using System.Net;
using System.Net.Sockets;

namespace ScriptedSip.Core.Transport;

/// <summary>
/// Socket addresses that a thread hands out again for the same peer: a transaction keeps its
/// source address and each branch its next hop's address for the whole wait state, and most of a
/// thread's transactions come from and go to the same few peers. Each thread keeps the last address
/// it made (nothing shared between threads, no lock) and returns that object again while the peer is
/// the same. The objects returned are shared: nobody may change them (code that needs a different
/// port copies first, as the reply address of a transaction does).
/// </summary>
internal static class SharedAddresses
{
    [ThreadStatic]
    private static SocketAddress? t_lastSource;

    [ThreadStatic]
    private static SocketAddress? t_lastHop;

    /// <summary>An unchangeable copy of <paramref name="source"/> (a receive buffer that the next datagram overwrites).</summary>
    public static SocketAddress CopyOf(SocketAddress source)
    {
        if (t_lastSource is { } last && last.Equals(source))
        {
            return last;
        }

        return t_lastSource = SocketAddressText.Copy(source);
    }

    /// <summary>
    /// <paramref name="endPoint"/> as a socket address (IPv4: the thread's last one when it is the
    /// same address and port; IPv6, with its scope id, is serialized each time).
    /// </summary>
    public static SocketAddress Of(IPEndPoint endPoint)
    {
        if (endPoint.AddressFamily == AddressFamily.InterNetwork && t_lastHop is { } last && SameIPv4(last, endPoint))
        {
            return last;
        }

        var made = endPoint.Serialize();
        if (endPoint.AddressFamily == AddressFamily.InterNetwork)
        {
            t_lastHop = made;
        }

        return made;
    }

    // sockaddr_in: port at bytes 2-3 (network order), address at 4-7.
    private static bool SameIPv4(SocketAddress address, IPEndPoint endPoint)
    {
        Span<byte> ip = stackalloc byte[4];
        return address.Family == AddressFamily.InterNetwork
            && SocketAddressText.Port(address) == endPoint.Port
            && endPoint.Address.TryWriteBytes(ip, out var written) && written == 4
            && address.Buffer.Span.Slice(4, 4).SequenceEqual(ip);
    }
}
