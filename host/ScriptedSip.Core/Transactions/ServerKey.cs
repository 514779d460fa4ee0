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
        Span<byte> buffer = stackalloc byte[512];
        var length = 0;
        if (!TryWriteCookieKey(message.Buffer.Span, via, buffer, ref length))
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

        return Create(buffer[..length]);
    }

    /// <summary>
    /// The key of a request whose top Via (parsed from <paramref name="data"/>) carries an RFC 3261
    /// branch; false for an RFC 2543 one (its key needs the whole parsed message).
    /// </summary>
    public static bool TryFromTopVia(ReadOnlySpan<byte> data, in ViaInfo via, out ServerKey key)
    {
        Span<byte> buffer = stackalloc byte[512];
        var length = 0;
        key = default;
        if (!TryWriteCookieKey(data, via, buffer, ref length))
        {
            return false;
        }

        key = Create(buffer[..length]);
        return true;
    }

    private static bool TryWriteCookieKey(ReadOnlySpan<byte> data, in ViaInfo via, Span<byte> buffer, ref int length)
    {
        var branch = data.Slice(via.Branch.Start, via.Branch.Length);
        if (branch.Length <= MagicCookie.Length || !branch.StartsWith("z9hG4bK"u8))
        {
            return false;
        }

        Append(buffer, ref length, branch);
        Append(buffer, ref length, "|"u8);
        Append(buffer, ref length, data.Slice(via.Host.Start, via.Host.Length));
        Append(buffer, ref length, ":"u8);
        Span<byte> port = stackalloc byte[8];
        (via.Port < 0 ? 5060 : via.Port).TryFormat(port, out var written);
        Append(buffer, ref length, port[..written]);
        return true;
    }

    private static ServerKey Create(ReadOnlySpan<byte> keyBytes)
    {
        var bytes = keyBytes.ToArray();

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
