using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace ScriptedSip.Core.Transport;

/// <summary>
/// One received datagram: bytes rented from the shared array pool at their exact size, and the
/// sender's address. Instances are pooled by the listener; nothing here is allocated per packet
/// once the pool is warm.
/// </summary>
public sealed class InboundDatagram
{
    private byte[] _buffer = [];

    internal InboundDatagram(AddressFamily family, UdpListener listener)
    {
        Source = new SocketAddress(family);
        Listener = listener;
    }

    /// <summary>The sender's address (reused between packets).</summary>
    public SocketAddress Source { get; }

    /// <summary>The listener the datagram arrived on; replies leave from its socket.</summary>
    public UdpListener Listener { get; }

    public int Length { get; private set; }

    public ReadOnlyMemory<byte> Data => _buffer.AsMemory(0, Length);

    internal void Fill(ReadOnlySpan<byte> data, SocketAddress source)
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
    }

    /// <summary>Hands the datagram back to its listener's pool once processing has finished.</summary>
    public void Release() => Listener.ReturnToPool(this);

    /// <summary>Gives large buffers back so an occasional 64 KiB datagram doesn't pin memory in the pool.</summary>
    internal void Trim()
    {
        if (_buffer.Length > 16 * 1024)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }

        Length = 0;
    }
}
