using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace ScriptedSip.Plugins.Auth;

/// <summary>What a nonce turned out to be.</summary>
internal enum NonceState
{
    Valid,
    Stale,
    Invalid,
}

/// <summary>
/// Stateless nonces: base64url of the issue time (8 bytes), a sequence number (4 bytes), 4 random
/// bytes and an HMAC-SHA-256 (16 bytes) over them and the requester's address, keyed by a secret of
/// this server. Nothing is stored per challenge; the highest nonce-count seen per nonce is kept in a
/// table of fixed size, in the slot its sequence number picks (<see cref="NonceCounts"/>).
/// </summary>
internal sealed class NonceService
{
    private readonly byte[] _secret;
    private readonly TimeProvider _time;
    private readonly TimeSpan _lifetime;
    private readonly NonceCounts _counts = new();
    private int _sequence = RandomNumberGenerator.GetInt32(int.MaxValue);

    // Keyed HMACs reused across requests (the key's pads computed once, not per challenge and per
    // check); per instance, so a reloaded plugin's old service keeps nothing alive in thread statics.
    private readonly ConcurrentBag<IncrementalHash> _hmacs = [];

    public NonceService(byte[] secret, TimeProvider time, TimeSpan lifetime)
    {
        _secret = secret;
        _time = time;
        _lifetime = lifetime;
    }

    public string Issue(string source)
    {
        Span<byte> raw = stackalloc byte[32];
        BinaryPrimitives.WriteInt64BigEndian(raw, _time.GetUtcNow().ToUnixTimeSeconds());
        BinaryPrimitives.WriteUInt32BigEndian(raw[8..], (uint)Interlocked.Increment(ref _sequence));
        RandomBytes.Fill(raw[12..16]); // not guessable from the one before
        Mac(raw[..16], source, raw[16..]);
        return Base64Url.EncodeToString(raw);
    }

    /// <summary>Checks that the nonce is ours, issued to this source, and not older than its lifetime.</summary>
    public NonceState CheckOrigin(string nonce, string source) => CheckOrigin(nonce, source, out _);

    /// <summary>As above; <paramref name="sequence"/> is the nonce's sequence number, for <see cref="RecordCount"/>.</summary>
    public NonceState CheckOrigin(string nonce, string source, out uint sequence)
    {
        sequence = 0;
        Span<byte> raw = stackalloc byte[33];
        // DecodeFromChars reports bad input (TryDecodeFromChars throws on it): a forged nonce costs no exception.
        if (nonce.Length != 43 || Base64Url.DecodeFromChars(nonce, raw, out _, out var written) != OperationStatus.Done || written != 32)
        {
            return NonceState.Invalid;
        }

        Span<byte> mac = stackalloc byte[16];
        Mac(raw[..16], source, mac);
        if (!CryptographicOperations.FixedTimeEquals(mac, raw[16..32]))
        {
            return NonceState.Invalid;
        }

        sequence = BinaryPrimitives.ReadUInt32BigEndian(raw[8..]);
        var issued = DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadInt64BigEndian(raw));
        var now = _time.GetUtcNow();
        return now - issued > _lifetime || issued > now + TimeSpan.FromMinutes(1) ? NonceState.Stale : NonceState.Valid;
    }

    /// <summary>
    /// Records a nonce-count of a nonce that <see cref="CheckOrigin(string, string, out uint)"/> accepted (its sequence number): <see cref="NonceCountResult.Replayed"/>
    /// when it is not higher than one already seen with this nonce — unless it is the very request
    /// that used it, sent again (<paramref name="requestHash"/>: its top Via and CSeq, equal to the one
    /// recorded with that count). A REGISTER answered statelessly is retransmitted by a phone (or
    /// sipp) whose 200 was late; refusing the copy would answer 401 to a request that already succeeded.
    /// </summary>
    public NonceCountResult RecordCount(uint sequence, uint nonceCount, int requestHash) =>
        _counts.Record(sequence, nonceCount, requestHash);

    private void Mac(ReadOnlySpan<byte> stamp, string source, Span<byte> destination)
    {
        var hmac = _hmacs.TryTake(out var cached) ? cached : IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _secret);
        var clean = false;
        try
        {
            hmac.AppendData(stamp);
            Span<byte> text = stackalloc byte[256];
            if (Encoding.UTF8.TryGetBytes(source, text, out var length))
            {
                hmac.AppendData(text[..length]);
            }
            else
            {
                hmac.AppendData(Encoding.UTF8.GetBytes(source));
            }

            Span<byte> full = stackalloc byte[32];
            hmac.GetHashAndReset(full);
            full[..16].CopyTo(destination);
            clean = true;
        }
        finally
        {
            if (clean)
            {
                _hmacs.Add(hmac); // reset by GetHashAndReset: ready for the next request
            }
            else
            {
                hmac.Dispose(); // an interrupted hash must not be reused
            }
        }
    }

    /// <summary>The server's nonce secret: read from <paramref name="folder"/>, or generated and stored there at first start.</summary>
    public static byte[] LoadOrCreateSecret(string? folder)
    {
        if (string.IsNullOrEmpty(folder))
        {
            return RandomNumberGenerator.GetBytes(32);
        }

        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "nonce.key");
        if (File.Exists(path))
        {
            var existing = Convert.FromHexString(File.ReadAllText(path).Trim());
            if (existing.Length >= 16)
            {
                return existing;
            }
        }

        var secret = RandomNumberGenerator.GetBytes(32);
        var temp = path + ".tmp";
        File.WriteAllText(temp, Convert.ToHexString(secret));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temp, path, overwrite: true);
        return secret;
    }
}
