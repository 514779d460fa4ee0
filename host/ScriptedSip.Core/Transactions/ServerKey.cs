using System.Text;
using ScriptedSip.Core.Parsing;

namespace ScriptedSip.Core.Transactions;

/// <summary>
/// How a request finds its server transaction (RFC 3261 §17.2.3): the top Via's branch and
/// sent-by, and the method (ACK and CANCEL look up their INVITE). Requests from RFC 2543 elements
/// (no magic cookie) fall back to Call-ID, From tag, CSeq number and the whole top Via.
/// </summary>
internal readonly struct ServerKey : IEquatable<ServerKey>
{
    private const string MagicCookie = "z9hG4bK";

    private ServerKey(byte[] bytes, uint hash)
    {
        Bytes = bytes;
        Hash = hash;
    }

    public byte[] Bytes { get; }

    public uint Hash { get; }

    public static ServerKey From(SipMessage message)
    {
        var via = message.TopVia;
        var branch = message.Span(via.Branch);
        Span<byte> buffer = stackalloc byte[512];
        var length = 0;
        if (branch.Length > MagicCookie.Length && branch.StartsWith("z9hG4bK"u8))
        {
            Append(buffer, ref length, branch);
            Append(buffer, ref length, "|"u8);
            Append(buffer, ref length, message.Span(via.Host));
            Append(buffer, ref length, ":"u8);
            Span<byte> port = stackalloc byte[8];
            (via.Port < 0 ? 5060 : via.Port).TryFormat(port, out var written);
            Append(buffer, ref length, port[..written]);
        }
        else
        {
            Append(buffer, ref length, message.Span(message.CallId));
            Append(buffer, ref length, "|"u8);
            Append(buffer, ref length, message.Span(message.From.Tag));
            Append(buffer, ref length, "|"u8);
            Span<byte> cseq = stackalloc byte[12];
            message.CSeqNumber.TryFormat(cseq, out var written);
            Append(buffer, ref length, cseq[..written]);
            Append(buffer, ref length, "|"u8);
            Append(buffer, ref length, message.Span(via.Whole));
        }

        var bytes = buffer[..length].ToArray();

        // Seeded per process (HashCode's random seed): branches are chosen by the sender, so a fixed
        // hash would let one sender pile every transaction into a single bucket (hash flooding).
        var hasher = default(HashCode);
        hasher.AddBytes(bytes);
        return new ServerKey(bytes, (uint)hasher.ToHashCode());
    }

    public bool Equals(ServerKey other) => Bytes.AsSpan().SequenceEqual(other.Bytes);

    public override bool Equals(object? obj) => obj is ServerKey other && Equals(other);

    public override int GetHashCode() => (int)Hash;

    public override string ToString() => Encoding.UTF8.GetString(Bytes);

    private static void Append(Span<byte> buffer, ref int length, ReadOnlySpan<byte> bytes)
    {
        var take = Math.Min(bytes.Length, buffer.Length - length);
        bytes[..take].CopyTo(buffer[length..]);
        length += take;
    }
}
