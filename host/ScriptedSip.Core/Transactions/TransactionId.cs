using System.Globalization;

namespace ScriptedSip.Core.Transactions;

/// <summary>
/// The (index, label) pair that names a transaction outside the process, as Kamailio's
/// $T(id_index) / $T(id_label): index = hash bucket, label = random per transaction.
/// </summary>
public readonly record struct TransactionId(uint Index, uint Label)
{
    /// <summary>Parses ids as they come in a packet. Non-numeric, negative or out-of-range → false, never an exception.</summary>
    public static bool TryParse(string? index, string? label, out TransactionId id)
    {
        id = default;
        if (!TryParsePart(index, out var i) || !TryParsePart(label, out var l))
        {
            return false;
        }

        id = new TransactionId(i, l);
        return true;
    }

    private static bool TryParsePart(string? text, out uint value) =>
        uint.TryParse(text?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out value);
}
