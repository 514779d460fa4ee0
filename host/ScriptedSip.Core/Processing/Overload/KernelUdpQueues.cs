using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace ScriptedSip.Core.Processing.Overload;

/// <summary>
/// How full the kernel's receive queues of our UDP sockets are, asked of each socket with
/// <c>getsockopt(SOL_SOCKET, SO_MEMINFO)</c> (Linux): the earliest sign that the receive threads
/// fall behind, before any worker queue grows — what they cannot take waits in (and then overflows)
/// the socket buffer. Also the kernel's drop count per socket (datagrams lost to a full buffer).
/// Elsewhere <see cref="Available"/> is false.
/// <para>
/// Why not <c>/proc/net/udp</c>: it lists every UDP socket of the machine as text; reading and
/// parsing it ten times a second was most of an idle server's CPU. One getsockopt per listener
/// reads the same two kernel counters (<c>sk_rmem_alloc</c>, <c>sk_drops</c>) and allocates nothing.
/// </para>
/// </summary>
public sealed class KernelUdpQueues
{
    private const int SolSocket = 1;
    private const int SoMemInfo = 55;

    // Indices into the u32 array SO_MEMINFO returns (linux/sock_diag.h, SK_MEMINFO_*).
    private const int RmemAlloc = 0;
    private const int RcvBuf = 1;
    private const int Drops = 8;
    private const int Fields = 9;

    private readonly Socket[] _sockets;

    /// <param name="sockets">The bound listener sockets to watch.</param>
    public KernelUdpQueues(IReadOnlyList<Socket> sockets)
    {
        ArgumentNullException.ThrowIfNull(sockets);
        _sockets = [.. sockets];
        Locals = [.. _sockets.Select(s => s.LocalEndPoint as IPEndPoint ?? new IPEndPoint(IPAddress.None, 0))];
        Available = OperatingSystem.IsLinux() && _sockets.Length > 0 && TryReadOne(_sockets[0], out _, out _, out _);
    }

    /// <summary>The local address of each socket watched, in the order given.</summary>
    public IReadOnlyList<IPEndPoint> Locals { get; }

    public bool Available { get; }

    /// <summary>
    /// The fullest socket (queued bytes in percent of its buffer, and which one) and the kernel's
    /// drops summed over all of them. Zeros when nothing could be read.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // periodic: compiled optimised once, never recompiled while SIP runs
    public (int Percent, int Socket, long Drops) Read()
    {
        var worst = 0;
        var which = 0;
        long drops = 0;
        if (!Available)
        {
            return (0, 0, 0);
        }

        for (var i = 0; i < _sockets.Length; i++)
        {
            if (!TryReadOne(_sockets[i], out var queued, out var buffer, out var dropped))
            {
                continue;
            }

            drops += dropped;
            var percent = (int)Math.Min(100, queued * 100 / Math.Max(1, buffer));
            if (percent > worst)
            {
                worst = percent;
                which = i;
            }
        }

        return (worst, which, drops);
    }

    /// <summary>Bytes queued (with the kernel's per-datagram overhead, as it counts them against the buffer), the buffer, and drops.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // periodic: compiled optimised once, never recompiled while SIP runs
    private static bool TryReadOne(Socket socket, out long queued, out long buffer, out long drops)
    {
        Span<uint> info = stackalloc uint[Fields];
        queued = buffer = drops = 0;
        try
        {
            var length = socket.GetRawSocketOption(SolSocket, SoMemInfo, MemoryMarshal.AsBytes(info));
            if (length < Fields * sizeof(uint))
            {
                return false;
            }
        }
        catch (Exception error) when (error is SocketException or ObjectDisposedException or PlatformNotSupportedException)
        {
            return false;
        }

        queued = info[RmemAlloc];
        buffer = info[RcvBuf];
        drops = info[Drops];
        return true;
    }
}
