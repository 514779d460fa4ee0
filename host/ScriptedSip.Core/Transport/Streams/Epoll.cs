using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace ScriptedSip.Core.Transport.Streams;

/// <summary>
/// A Linux epoll set and an eventfd that wakes its waiter, through libc. Level-triggered: a socket
/// with unread bytes is reported again on the next wait, so a thread that stops looking at its
/// batch (a route it ran overran, another thread took over) loses nothing. Events are read from a
/// byte array, not a struct: <c>struct epoll_event</c> is packed (12 bytes) on x86 and x86-64 and
/// naturally aligned (16 bytes) everywhere else.
/// </summary>
internal sealed class Epoll : IDisposable
{
    public const uint Readable = 0x001; // EPOLLIN
    private const uint HangUp = 0x010 | 0x008 | 0x2000; // EPOLLHUP | EPOLLERR | EPOLLRDHUP: read to learn why
    private const int Add = 1;
    private const int Delete = 2;
    private const int Modify = 3;
    private const int CloseOnExec = 0x80000; // EPOLL_CLOEXEC, EFD_CLOEXEC
    private const int NonBlocking = 0x800; // EFD_NONBLOCK

    private static readonly bool Packed = RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.X86;
    private readonly int _epoll;
    private readonly int _wake;
    private int _disposed;

    private Epoll(int epoll, int wake)
    {
        _epoll = epoll;
        _wake = wake;
    }

    /// <summary>The size of one event in the array <see cref="Wait"/> fills.</summary>
    public static int EventSize => Packed ? 12 : 16;

    /// <summary>The token an event carries when <see cref="Wake"/> was called.</summary>
    public const long WakeToken = 0;

    /// <summary>Null off Linux, or when the kernel refuses (the caller keeps the runtime's asynchronous reads).</summary>
    public static Epoll? TryCreate()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var epoll = EpollCreate1(CloseOnExec);
        if (epoll < 0)
        {
            return null;
        }

        var wake = EventFd(0, CloseOnExec | NonBlocking);
        var poll = new Epoll(epoll, wake);
        if (wake < 0 || !poll.Watch(wake, WakeToken))
        {
            poll.Dispose();
            return null;
        }

        return poll;
    }

    /// <summary>Reports <paramref name="fd"/> readable (or hung up) with <paramref name="token"/> until it is removed or closed.</summary>
    public bool Watch(nint fd, long token) => Control(Add, fd, Readable | HangUp, token);

    private bool Control(int operation, nint fd, uint events, long token)
    {
        var ev = new byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(ev, events);
        BinaryPrimitives.WriteInt64LittleEndian(ev.AsSpan(Packed ? 4 : 8), token);
        return EpollCtl(_epoll, operation, (int)fd, ev) == 0;
    }

    /// <summary>Reports <paramref name="fd"/> once when it becomes writable or fails (a connect ended; EPOLLOUT | EPOLLONESHOT).</summary>
    public bool WatchOnceWritable(nint fd, long token) => Control(Add, fd, 0x004 | 0x40000000, token);

    /// <summary>Reports <paramref name="fd"/> again after <see cref="Pause"/> (at once if it is readable: level-triggered).</summary>
    public bool Resume(nint fd, long token) => Control(Modify, fd, Readable | HangUp, token);

    /// <summary>Keeps <paramref name="fd"/> in the set but reports nothing for it until <see cref="Resume"/>.</summary>
    public bool Pause(nint fd, long token) => Control(Modify, fd, 0, token);

    /// <summary>Stops reporting <paramref name="fd"/> (closing it does that too; this is for a socket that stays open a moment longer).</summary>
    public bool Forget(nint fd) => EpollCtl(_epoll, Delete, (int)fd, new byte[16]) == 0;

    /// <summary>Waits for events; returns how many were written into <paramref name="events"/> (0 on EINTR).</summary>
    public int Wait(byte[] events, int timeoutMs)
    {
        var count = EpollWait(_epoll, events, events.Length / EventSize, timeoutMs);
        return Math.Max(count, 0);
    }

    public static long TokenOf(byte[] events, int index) =>
        BinaryPrimitives.ReadInt64LittleEndian(events.AsSpan((index * EventSize) + (Packed ? 4 : 8)));

    /// <summary>Makes the waiting thread return (for stopping).</summary>
    public void Wake()
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            ulong one = 1;
            _ = Write(_wake, ref one, 8);
        }
    }

    /// <summary>Clears the wake-up (the eventfd stays readable until read).</summary>
    public void ClearWake()
    {
        ulong value = 0;
        _ = Read(_wake, ref value, 8);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_wake >= 0)
        {
            _ = Close(_wake);
        }

        _ = Close(_epoll);
    }

    [DllImport("libc", EntryPoint = "epoll_create1")]
    private static extern int EpollCreate1(int flags);

    [DllImport("libc", EntryPoint = "epoll_ctl")]
    private static extern int EpollCtl(int epoll, int operation, int fd, byte[] ev);

    [DllImport("libc", EntryPoint = "epoll_wait")]
    private static extern int EpollWait(int epoll, [Out] byte[] events, int maxEvents, int timeoutMs);

    [DllImport("libc", EntryPoint = "eventfd")]
    private static extern int EventFd(uint initial, int flags);

    [DllImport("libc", EntryPoint = "write")]
    private static extern nint Write(int fd, ref ulong value, nint count);

    [DllImport("libc", EntryPoint = "read")]
    private static extern nint Read(int fd, ref ulong value, nint count);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);
}
