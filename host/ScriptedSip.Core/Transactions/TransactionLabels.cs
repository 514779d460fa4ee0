using System.Security.Cryptography;

namespace ScriptedSip.Core.Transactions;

/// <summary>
/// Unpredictable 32-bit values for transaction labels and branch keys: a resume packet or a
/// forged reply cannot guess them. Random bytes are drawn from the OS CSPRNG in blocks, per thread,
/// so a label costs a few nanoseconds.
/// </summary>
internal static class TransactionLabels
{
    [ThreadStatic]
    private static byte[]? t_block;

    [ThreadStatic]
    private static int t_position;

    public static uint Next()
    {
        var block = t_block ??= new byte[512];
        if (t_position == 0 || t_position >= block.Length)
        {
            RandomNumberGenerator.Fill(block);
            t_position = 0;
        }

        var value = BitConverter.ToUInt32(block, t_position);
        t_position += 4;
        return value == 0 ? 1 : value; // 0 is never a valid label
    }
}
