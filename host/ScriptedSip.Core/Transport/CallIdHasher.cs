using System.Net;
using System.Net.Sockets;

namespace ScriptedSip.Core.Transport;

/// <summary>
/// Picks the worker for a datagram before it is parsed. All messages with the same Call-ID go to
/// the same worker, which handles them in arrival order — a 180 can never overtake the 200 of the
/// same call. A scan for the Call-ID header line is far cheaper than a full parse; datagrams
/// without one (non-SIP packets) are spread by their source address.
/// </summary>
public static class CallIdHasher
{
    public static uint Hash(ReadOnlySpan<byte> datagram, SocketAddress source)
    {
        var value = FindCallId(datagram);
        return value.IsEmpty ? Fnv(source.Buffer.Span[..source.Size]) : Fnv(value);
    }

    /// <summary>The value of the first <c>Call-ID:</c> or <c>i:</c> header line, trimmed; empty when none.</summary>
    public static ReadOnlySpan<byte> FindCallId(ReadOnlySpan<byte> data)
    {
        var position = 0;
        while (position < data.Length)
        {
            var newline = data[position..].IndexOf((byte)'\n');
            if (newline < 0)
            {
                return default;
            }

            var lineStart = position + newline + 1;
            var rest = data[lineStart..];
            var nameLength = rest.Length >= 7 && IsCallIdName(rest[..7]) ? 7 : rest.Length >= 1 && (rest[0] | 0x20) == 'i' ? 1 : 0;
            if (nameLength > 0)
            {
                var afterName = rest[nameLength..].TrimStart(" \t"u8);
                if (afterName.Length > 0 && afterName[0] == ':')
                {
                    var value = afterName[1..];
                    var end = value.IndexOfAny((byte)'\r', (byte)'\n');
                    return (end < 0 ? value : value[..end]).Trim(" \t"u8);
                }
            }

            position = lineStart;
        }

        return default;
    }

    private static bool IsCallIdName(ReadOnlySpan<byte> name) =>
        System.Text.Ascii.EqualsIgnoreCase(name, "Call-ID"u8);

    private static uint Fnv(ReadOnlySpan<byte> bytes)
    {
        var hash = 2166136261u;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 16777619u;
        }

        return hash;
    }
}
