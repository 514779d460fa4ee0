using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace ScriptedSip.Core.Transport;

/// <summary>
/// Linux only: the socket's error queue (IP_RECVERR / IPV6_RECVERR). Without it the kernel drops
/// ICMP errors for datagrams sent from an unconnected UDP socket, and a branch to a closed port waits
/// for its fr timer. With it each ICMP error is queued with the original destination (msg_name), the
/// beginning of the datagram that bounced (the data) and a <c>sock_extended_err</c> (the control
/// message); a pending receive or send fails once with the error as a signal to read the queue.
/// Nothing here runs on the message path: the buffers are allocated at the first error, and reading
/// happens only after a socket call failed. A pending error also fails the next send, whoever it
/// is for: a sender reads the queue before sending again (<see cref="DrainForSender"/>).
/// </summary>
internal sealed class UdpErrorQueue
{
    private const int SolIp = 0;
    private const int IpRecvErr = 11;
    private const int SolIpV6 = 41;
    private const int IpV6RecvErr = 25;
    private const int MsgErrQueue = 0x2000;
    private const int MsgDontWait = 0x40;
    private const int EConnRefused = 111;
    private const int ENetUnreach = 101;
    private const int EHostUnreach = 113;
    private const byte OriginIcmp = 2;
    private const byte OriginIcmp6 = 3;

    // An ICMP error quotes at most 576 bytes of the datagram on IPv4 and 1280 on IPv6; our Via is
    // the first header, well inside that.
    private const int DataSize = 1280;
    private const int NameSize = 128;
    private const int ControlSize = 512;

    private readonly Socket _socket;
    private readonly Stats.SipCounters _counters;
    private readonly Lock _gate = new();
    private byte[]? _data;
    private byte[]? _name;
    private byte[]? _control;
    private nint[]? _iovec;
    private SocketAddress? _destination;

    private UdpErrorQueue(Socket socket, Stats.SipCounters counters)
    {
        _socket = socket;
        _counters = counters;
    }

    /// <summary>Asks the kernel to queue ICMP errors for the socket; null where that is not available (not Linux, or refused).</summary>
    public static UdpErrorQueue? TryEnable(Socket socket, Stats.SipCounters counters)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (!OperatingSystem.IsLinux())
        {
            return null; // elsewhere the fr timer ends such a branch, as before
        }

        var v6 = socket.AddressFamily == AddressFamily.InterNetworkV6;
        try
        {
            socket.SetRawSocketOption(v6 ? SolIpV6 : SolIp, v6 ? IpV6RecvErr : IpRecvErr, BitConverter.GetBytes(1));
            return new UdpErrorQueue(socket, counters);
        }
        catch (SocketException)
        {
            return null;
        }
    }

    /// <summary>True for the errors a queued ICMP error makes a receive or send fail with.</summary>
    public static bool IsQueuedErrorSignal(SocketError error) =>
        error is SocketError.ConnectionRefused or SocketError.ConnectionReset or SocketError.HostUnreachable
            or SocketError.NetworkUnreachable or SocketError.HostDown or SocketError.MessageSize;

    /// <summary>
    /// Reads every queued error; for each "unreachable" one (port, host or network) tells
    /// <paramref name="sink"/> (when set) the original destination and the quoted datagram (valid only during
    /// the call). Returns how many were unreachable errors. Thread-safe (receive threads and failed
    /// sends may all drain); the sink is called after the queue's lock is released, so a caller must
    /// hold no transaction's lock (the sink takes them).
    /// </summary>
    public int Drain(ISipTransport transport, IUnreachableDestinations? sink)
    {
        var bounced = Read();
        foreach (var datagram in bounced)
        {
            sink?.OnUnreachable(transport, datagram.Destination, datagram.Quoted, datagram.Reason);
        }

        return bounced.Count;
    }

    /// <summary>
    /// For a sender, which may hold a transaction's lock: empties the queue now (so the error it left
    /// pending on the socket is gone before the send is tried again) and tells <paramref name="sink"/>
    /// on the thread pool.
    /// </summary>
    public void DrainForSender(ISipTransport transport, IUnreachableDestinations? sink)
    {
        var bounced = Read();
        if (bounced.Count == 0 || sink is null)
        {
            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(
            static state =>
            {
                try
                {
                    foreach (var datagram in state.Bounced)
                    {
                        state.Sink.OnUnreachable(state.Transport, datagram.Destination, datagram.Quoted, datagram.Reason);
                    }
                }
                catch (ObjectDisposedException)
                {
                    // the server stopped meanwhile: no branch is left to end
                }
            },
            (Transport: transport, Sink: sink, Bounced: bounced),
            preferLocal: false);
    }

    /// <summary>Every queued unreachable error, copied out under the lock (error path only: copies are fine).</summary>
    private List<Bounced> Read()
    {
        var bounced = new List<Bounced>();
        var handle = _socket.SafeHandle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added); // the descriptor stays ours while it is read, even if the socket closes meanwhile
        }
        catch (ObjectDisposedException)
        {
            return bounced;
        }

        try
        {
            lock (_gate)
            {
                ReadLocked((int)handle.DangerousGetHandle(), bounced);
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }

        return bounced;
    }

    private void ReadLocked(int fd, List<Bounced> bounced)
    {
        EnsureBuffers();
        for (var i = 0; i < 1024; i++) // bounded: the queue is bounded by the receive buffer anyway
        {
            var message = new MsgHdr
            {
                Name = Marshal.UnsafeAddrOfPinnedArrayElement(_name, 0),
                NameLength = NameSize,
                Iov = Marshal.UnsafeAddrOfPinnedArrayElement(_iovec, 0),
                IovLength = 1,
                Control = Marshal.UnsafeAddrOfPinnedArrayElement(_control, 0),
                ControlLength = ControlSize,
            };
            var length = RecvMsg(fd, ref message, MsgErrQueue | MsgDontWait);
            if (length < 0)
            {
                break; // EAGAIN: the queue is empty
            }

            if (ReadError(_control.AsSpan(0, (int)Math.Min(message.ControlLength, ControlSize))) is not { } errno
                || errno is not (EConnRefused or EHostUnreach or ENetUnreach)
                || !CopyDestination(_destination, _name.AsSpan(0, Math.Clamp(message.NameLength, 0, NameSize))))
            {
                continue; // e.g. EMSGSIZE (path MTU): not a dead destination
            }

            var destination = SocketAddressText.Copy(_destination);
            bounced.Add(new Bounced(destination, _data.AsSpan(0, (int)Math.Min(length, DataSize)).ToArray(), Describe(errno)));
            _counters.Increment(Stats.SipCounter.IcmpUnreachable); // before the branch ends: whoever sees its 503 sees the count
        }
    }

    /// <summary>One datagram that came back unreachable: where it went, its quoted beginning, why.</summary>
    private sealed record Bounced(SocketAddress Destination, byte[] Quoted, string Reason);

    private static string Describe(int errno) => errno switch
    {
        EConnRefused => "ICMP port unreachable",
        EHostUnreach => "ICMP host unreachable",
        ENetUnreach => "ICMP network unreachable",
        _ => "ICMP error " + errno.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    [System.Diagnostics.CodeAnalysis.MemberNotNull(nameof(_data), nameof(_name), nameof(_control), nameof(_iovec), nameof(_destination))]
    private void EnsureBuffers()
    {
        if (_data is not null && _name is not null && _control is not null && _iovec is not null && _destination is not null)
        {
            return;
        }

        _data = GC.AllocateUninitializedArray<byte>(DataSize, pinned: true);
        _name = GC.AllocateArray<byte>(NameSize, pinned: true);
        _control = GC.AllocateArray<byte>(ControlSize, pinned: true);
        _iovec = GC.AllocateArray<nint>(2, pinned: true);
        _iovec[0] = Marshal.UnsafeAddrOfPinnedArrayElement(_data, 0);
        _iovec[1] = DataSize;
        _destination = new SocketAddress(_socket.AddressFamily);
    }

    /// <summary>The original destination (msg_name) into the reused <see cref="SocketAddress"/>.</summary>
    private bool CopyDestination(SocketAddress destination, ReadOnlySpan<byte> name)
    {
        if (name.Length < 8 || name.Length > destination.Buffer.Length)
        {
            return false;
        }

        name.CopyTo(destination.Buffer.Span);
        destination.Size = name.Length;
        return destination.Family == _socket.AddressFamily;
    }

    /// <summary>ee_errno of the first IP_RECVERR / IPV6_RECVERR control message from ICMP; null when there is none.</summary>
    private static int? ReadError(ReadOnlySpan<byte> control)
    {
        // struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; } + data aligned to size_t.
        var word = nint.Size;
        var header = Align(word + 8, word);
        while (control.Length >= header)
        {
            var cmsgLength = word == 8 ? (int)BitConverter.ToInt64(control) : BitConverter.ToInt32(control);
            if (cmsgLength < header || cmsgLength > control.Length)
            {
                return null;
            }

            var level = BitConverter.ToInt32(control[word..]);
            var type = BitConverter.ToInt32(control[(word + 4)..]);
            if (((level == SolIp && type == IpRecvErr) || (level == SolIpV6 && type == IpV6RecvErr)) && cmsgLength >= header + 16)
            {
                // struct sock_extended_err { u32 ee_errno; u8 ee_origin; u8 ee_type; u8 ee_code; u8 ee_pad; u32 ee_info; u32 ee_data; }
                var error = control[header..];
                var origin = error[4];
                return origin is OriginIcmp or OriginIcmp6 ? BitConverter.ToInt32(error) : null;
            }

            control = control[Math.Min(Align(cmsgLength, word), control.Length)..];
        }

        return null;
    }

    private static int Align(int length, int word) => (length + word - 1) & ~(word - 1);

    [DllImport("libc", EntryPoint = "recvmsg")]
    private static extern nint RecvMsg(int socket, ref MsgHdr message, int flags);

    /// <summary>struct msghdr (LP64 and ILP32 alike: pointer-sized fields, natural alignment).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public nint Name;
        public int NameLength;
        public nint Iov;
        public nuint IovLength;
        public nint Control;
        public nuint ControlLength;
        public int Flags;
    }
}
