using System.Security.Cryptography;

namespace ScriptedSip.Plugins.Auth;

/// <summary>
/// Bytes from the system's cryptographic generator, fetched 512 at a time per thread: one call
/// into the generator (which takes a lock and runs its DRBG) serves 64 nonces instead of one.
/// Bytes handed out are never handed out again.
/// </summary>
internal static class RandomBytes
{
    private const int BlockSize = 512;

    [ThreadStatic]
    private static byte[]? t_block;

    [ThreadStatic]
    private static int t_used;

    public static void Fill(Span<byte> destination)
    {
        if (destination.Length > BlockSize)
        {
            RandomNumberGenerator.Fill(destination);
            return;
        }

        var block = t_block;
        if (block is null || t_used + destination.Length > BlockSize)
        {
            block = t_block ??= new byte[BlockSize];
            RandomNumberGenerator.Fill(block);
            t_used = 0;
        }

        var fresh = block.AsSpan(t_used, destination.Length);
        fresh.CopyTo(destination);
        fresh.Clear(); // what was handed out does not stay in memory
        t_used += destination.Length;
    }
}
