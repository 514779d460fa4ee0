using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using ScriptedSip.Core.Parsing;

namespace ScriptedSip.Core.Messages;

/// <summary>
/// The reusable per-message working set: parsed view and edit list. A worker keeps one; when a
/// route awaits, the waiting message takes the worker's set along and the worker rents a fresh one,
/// so nothing is shared between a waiting script and the next message. Output is not part of it:
/// messages are written into the thread's <see cref="OutputBuffer"/> and sent at once, so a waiting
/// message holds no output buffer.
/// </summary>
public sealed class MessageBuffers
{
    private static readonly ConcurrentBag<MessageBuffers> Pool = [];

    public SipMessage Message { get; } = new();

    public SipMessageEditor Editor { get; } = new();

    public static MessageBuffers Rent() => Pool.TryTake(out var buffers) ? buffers : new MessageBuffers();

    public static void Return(MessageBuffers buffers)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        if (Pool.Count < 256)
        {
            Pool.Add(buffers);
        }
    }
}

/// <summary>
/// Per-thread scratch space for writing a message that is sent (or copied) before the writer
/// returns: nothing written here survives the call that wrote it. Two of them, because a relay
/// writes the forwarded request and, before copying it, may send a local 100 Trying.
/// </summary>
public static class OutputBuffer
{
    /// <summary>Room for any message we write (the UDP maximum plus headers we add).</summary>
    public const int Size = 70 * 1024;

    [ThreadStatic]
    private static byte[]? t_message;

    [ThreadStatic]
    private static byte[]? t_local;

    [ThreadStatic]
    private static SocketAddress? t_address4;

    [ThreadStatic]
    private static SocketAddress? t_address6;

    /// <summary>For the message being processed: forwarded requests, relayed and stateless replies.</summary>
    public static byte[] Message => t_message ??= GC.AllocateUninitializedArray<byte>(Size);

    /// <summary>For messages of the transaction layer's own: local replies, CANCEL, hop-by-hop ACK.</summary>
    public static byte[] Local => t_local ??= GC.AllocateUninitializedArray<byte>(Size);

    /// <summary>A scratch destination address of the given family.</summary>
    public static SocketAddress Address(AddressFamily family) => family == AddressFamily.InterNetworkV6
        ? t_address6 ??= new SocketAddress(AddressFamily.InterNetworkV6)
        : t_address4 ??= new SocketAddress(AddressFamily.InterNetwork);
}
