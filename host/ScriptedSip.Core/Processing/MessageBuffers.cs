using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using ScriptedSip.Core.Messages;
using ScriptedSip.Core.Parsing;

namespace ScriptedSip.Core.Processing;

/// <summary>
/// The reusable per-message working set: parsed view, edit list, output buffer. A worker keeps one;
/// when a route awaits, the waiting message takes the worker's set along and the worker rents a
/// fresh one, so nothing is shared between a suspended script and the next message.
/// </summary>
public sealed class MessageBuffers
{
    private static readonly ConcurrentBag<MessageBuffers> Pool = [];

    public SipMessage Message { get; } = new();

    public SipMessageEditor Editor { get; } = new();

    /// <summary>Room for any message we write (the UDP maximum plus headers we add).</summary>
    public byte[] Output { get; } = GC.AllocateUninitializedArray<byte>(70 * 1024);

    /// <summary>Scratch destination for replies, reused between messages.</summary>
    public SocketAddress ReplyAddress4 { get; } = new(AddressFamily.InterNetwork);

    public SocketAddress ReplyAddress6 { get; } = new(AddressFamily.InterNetworkV6);

    public static MessageBuffers Rent() => Pool.TryTake(out var buffers) ? buffers : new MessageBuffers();

    public static void Return(MessageBuffers buffers)
    {
        if (Pool.Count < 256)
        {
            Pool.Add(buffers);
        }
    }
}
