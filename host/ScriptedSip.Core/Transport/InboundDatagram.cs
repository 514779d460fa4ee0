using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace ScriptedSip.Core.Transport;

/// <summary>
/// One received message: bytes rented from the shared array pool, the sender's address and the
/// transport it arrived on (replies leave through it). Instances are pooled; nothing here is
/// allocated per packet once the pool is warm.
/// </summary>
public sealed class InboundDatagram
{
    private const int PoolLimit = 4096;
    private static readonly ConcurrentQueue<InboundDatagram> Pool4 = new();
    private static readonly ConcurrentQueue<InboundDatagram> Pool6 = new();
    private static int s_pooled;

    // One datagram per thread and family in front of the shared queues: an inline turn rents and
    // releases on the receive thread, so most packets never touch the queue's atomics.
    [ThreadStatic]
    private static InboundDatagram? t_spare4;

    [ThreadStatic]
    private static InboundDatagram? t_spare6;

    private byte[] _buffer = [];

    private InboundDatagram(AddressFamily family) => Source = new SocketAddress(family);

    /// <summary>The sender's address (reused between packets).</summary>
    public SocketAddress Source { get; }

    /// <summary>The transport the message arrived on; replies leave through it.</summary>
    public ISipTransport Transport { get; private set; } = null!;

    public int Length { get; private set; }

    public ReadOnlyMemory<byte> Data => _buffer.AsMemory(0, Length);

    /// <summary>Starts like a SIP reply's status line (<c>SIP/2.0 </c>): a cheap look, not a parse.</summary>
    public bool IsReply => _buffer.AsSpan(0, Length).StartsWith("SIP/2.0 "u8);

    /// <summary>A pooled datagram filled with <paramref name="data"/> from <paramref name="source"/>, as if it had just arrived on <paramref name="transport"/>.</summary>
    public static InboundDatagram Rent(ISipTransport transport, ReadOnlySpan<byte> data, SocketAddress source)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(source);
        var v6 = source.Family == AddressFamily.InterNetworkV6;
        var datagram = v6 ? t_spare6 : t_spare4;
        if (datagram is not null)
        {
            if (v6)
            {
                t_spare6 = null;
            }
            else
            {
                t_spare4 = null;
            }
        }
        else if ((v6 ? Pool6 : Pool4).TryDequeue(out datagram))
        {
            Interlocked.Decrement(ref s_pooled);
        }
        else
        {
            datagram = new InboundDatagram(source.Family);
        }

        datagram.Fill(transport, data, source);
        return datagram;
    }

    /// <summary>A pooled message filled with one framed message of a stream connection (possibly in several pipe segments).</summary>
    public static InboundDatagram Rent(ISipTransport transport, in ReadOnlySequence<byte> data, SocketAddress source)
    {
        if (data.IsSingleSegment)
        {
            return Rent(transport, data.FirstSpan, source);
        }

        var length = (int)data.Length;
        var scratch = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            data.CopyTo(scratch);
            return Rent(transport, scratch.AsSpan(0, length), source);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>Hands the datagram back to the pool once processing has finished.</summary>
    public void Release()
    {
        // Large buffers go back at once, so an occasional 64 KiB datagram doesn't pin memory in the pool.
        if (_buffer.Length > 16 * 1024)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }

        Length = 0;
        Transport = null!;
        if (Source.Family == AddressFamily.InterNetworkV6)
        {
            if (t_spare6 is null)
            {
                t_spare6 = this;
                return;
            }
        }
        else if (t_spare4 is null)
        {
            t_spare4 = this;
            return;
        }

        if (Interlocked.Increment(ref s_pooled) <= PoolLimit)
        {
            (Source.Family == AddressFamily.InterNetworkV6 ? Pool6 : Pool4).Enqueue(this);
        }
        else
        {
            Interlocked.Decrement(ref s_pooled);
        }
    }


    private void Fill(ISipTransport transport, ReadOnlySpan<byte> data, SocketAddress source)
    {
        if (_buffer.Length < data.Length)
        {
            if (_buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
            }

            _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(data.Length, 1024));
        }

        data.CopyTo(_buffer);
        Length = data.Length;
        source.Buffer.Span[..source.Size].CopyTo(Source.Buffer.Span);
        Source.Size = source.Size;
        Transport = transport;
    }
}
