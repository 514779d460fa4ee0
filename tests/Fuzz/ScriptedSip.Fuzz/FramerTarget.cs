using System.Buffers;
using ScriptedSip.Core.Parsing;
using ScriptedSip.Core.Transport.Streams;

namespace ScriptedSip.Fuzz;

/// <summary>
/// The stream framer (TCP/TLS, RFC 3261 §18.3) driven the way a connection's read loop drives it:
/// the bytes arrive in chunks, each chunk its own buffer segment, and after every chunk the loop
/// takes frames until the framer wants more or gives up. The read loop catches only I/O errors, so
/// any exception here would leave a connection that is never closed; a frame that consumes nothing
/// would spin it forever. Oracle: the same bytes give the same messages (and the same verdict on
/// the connection) whether they arrive at once or cut into chunks.
/// </summary>
/// <remarks>
/// Input layout: byte 0 picks <c>Sip:MaxMessageSize</c> (small limits reach the size checks),
/// bytes 1–3 are where the stream is cut (each as a fraction of its length), the rest is the stream.
/// </remarks>
public static class FramerTarget
{
    /// <summary>Bytes before the stream: the size choice and three cut positions.</summary>
    public const int PrefixLength = 4;

    public static void Run(byte[] data)
    {
        if (data.Length < PrefixLength)
        {
            return;
        }

        var maxMessageSize = data[0] >= 0x80 ? 65535 : 16 + (data[0] * 8);
        var stream = data.AsMemory(PrefixLength);
        var cuts = data.AsSpan(1, 3).ToArray()
            .Select(b => b * stream.Length / 256)
            .Append(stream.Length)
            .Order()
            .ToArray();

        var atOnce = Frame(stream, [stream.Length], maxMessageSize);
        var inChunks = Frame(stream, cuts, maxMessageSize);
        if (atOnce.Closed != inChunks.Closed || !atOnce.Messages.SequenceEqual(inChunks.Messages))
        {
            throw new InvalidOperationException(
                $"framing depends on how the bytes arrive: at once {atOnce}, in chunks ending at [{string.Join(", ", cuts)}] {inChunks}");
        }
    }

    /// <summary>The messages framed (as text) and whether the connection was closed for bad framing.</summary>
    private sealed record Outcome(List<string> Messages, bool Closed)
    {
        public override string ToString() => $"{Messages.Count} message(s), {(Closed ? "closed" : "open")}";
    }

    private static Outcome Frame(ReadOnlyMemory<byte> stream, int[] chunkEnds, int maxMessageSize)
    {
        var messages = new List<string>();
        var pending = new List<ReadOnlyMemory<byte>>();
        var start = 0;
        foreach (var end in chunkEnds)
        {
            if (end <= start)
            {
                continue; // a read returns at least one byte
            }

            pending.Add(stream[start..end]);
            start = end;
            var buffer = Segments.ToSequence(pending);
            var closed = !Consume(ref buffer, maxMessageSize, messages);
            if (closed)
            {
                return new Outcome(messages, Closed: true);
            }

            pending = Segments.Remaining(buffer);
        }

        return new Outcome(messages, Closed: false);
    }

    /// <summary>The read loop's framing step: false when the connection would be closed.</summary>
    private static bool Consume(ref ReadOnlySequence<byte> buffer, int maxMessageSize, List<string> messages)
    {
        while (true)
        {
            var frame = StreamFramer.Next(buffer, maxMessageSize);
            if (frame.Length < 0 || frame.Length > buffer.Length)
            {
                throw new InvalidOperationException($"{frame.Kind} frame of {frame.Length} bytes in a buffer of {buffer.Length}");
            }

            switch (frame.Kind)
            {
                case FrameKind.NeedMore:
                    return true;
                case FrameKind.Message:
                    if (frame.Length > maxMessageSize)
                    {
                        throw new InvalidOperationException($"a message of {frame.Length} bytes passed Sip:MaxMessageSize {maxMessageSize}");
                    }

                    var bytes = buffer.Slice(0, frame.Length).ToArray();
                    _ = new SipMessage().Parse(bytes); // what the worker does next with it
                    messages.Add(Convert.ToHexString(bytes));
                    break;
                case FrameKind.Ping or FrameKind.Pong:
                    break;
                default:
                    if (frame.CanReply)
                    {
                        // The 400 is addressed from the header section: it is parsed on the read loop.
                        _ = new SipMessage().Parse(buffer.Slice(0, frame.Length).ToArray());
                    }

                    return false;
            }

            if (frame.Length == 0)
            {
                throw new InvalidOperationException($"a {frame.Kind} frame that consumes nothing: the read loop would spin forever");
            }

            buffer = buffer.Slice(frame.Length);
        }
    }

    /// <summary>A read-only sequence over received chunks, one segment each, as a pipe hands them out.</summary>
    private sealed class Segments : ReadOnlySequenceSegment<byte>
    {
        private Segments(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public static ReadOnlySequence<byte> ToSequence(List<ReadOnlyMemory<byte>> chunks)
        {
            var first = new Segments(chunks[0], 0);
            var last = first;
            foreach (var chunk in chunks.Skip(1))
            {
                var next = new Segments(chunk, last.RunningIndex + last.Memory.Length);
                last.Next = next;
                last = next;
            }

            return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
        }

        /// <summary>The unconsumed bytes, still cut where the chunks were.</summary>
        public static List<ReadOnlyMemory<byte>> Remaining(ReadOnlySequence<byte> buffer)
        {
            var chunks = new List<ReadOnlyMemory<byte>>();
            foreach (var memory in buffer)
            {
                if (!memory.IsEmpty)
                {
                    chunks.Add(memory);
                }
            }

            return chunks;
        }
    }
}
