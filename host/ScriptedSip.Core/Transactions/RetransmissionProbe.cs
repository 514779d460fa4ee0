using ScriptedSip.Core.Parsing;
using ScriptedSip.Core.Scheduling;

namespace ScriptedSip.Core.Transactions;

/// <summary>
/// Tells, from the raw bytes, whether a received request belongs to a server transaction that
/// exists already (a retransmission, or the ACK/CANCEL of an INVITE): only its top Via is read
/// (branch and sent-by, RFC 3261 §17.2.3) and looked up in the table. Asked by the scheduler only
/// for a worker that is behind, so such requests overtake new ones there (overload control); a
/// request it cannot read (no RFC 3261 branch, a folded Via) is simply not recognised, never lost.
/// </summary>
internal sealed class RetransmissionProbe(TransactionTable table) : IExistingTransactionProbe
{
    public bool BelongsToExistingTransaction(ReadOnlySpan<byte> request) =>
        TryReadTopVia(request, out var via)
        && ServerKey.TryFromTopVia(request, via, out var key)
        && table.Find(key) is not null;

    /// <summary>The first value of the first Via header, parsed; false when there is none or it does not parse.</summary>
    internal static bool TryReadTopVia(ReadOnlySpan<byte> data, out ViaInfo via)
    {
        via = ViaInfo.None;
        var position = data.IndexOf("\r\n"u8);
        if (position < 0)
        {
            return false;
        }

        position += 2;
        while (position < data.Length)
        {
            var length = data[position..].IndexOf("\r\n"u8);
            if (length <= 0)
            {
                return false; // the blank line (end of headers) or an unterminated line
            }

            var line = data.Slice(position, length);
            var colon = line.IndexOf((byte)':');
            if (colon > 0 && HeaderNames.Lookup(line[..colon].TrimEnd(" \t"u8)) == HeaderKind.Via)
            {
                var value = line[(colon + 1)..];
                var comma = value.IndexOf((byte)',');
                var first = comma < 0 ? value : value[..comma];
                var start = position + colon + 1 + (first.Length - first.TrimStart(" \t"u8).Length);
                var end = position + colon + 1 + first.TrimEnd(" \t"u8).Length;
                return end > start && ViaParser.TryParse(data, start, end, out via);
            }

            position += length + 2;
        }

        return false;
    }
}
