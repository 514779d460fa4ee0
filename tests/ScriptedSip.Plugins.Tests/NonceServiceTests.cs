using Microsoft.Extensions.Time.Testing;
using ScriptedSip.Plugins.Auth;

namespace ScriptedSip.Plugins.Tests;

public sealed class NonceServiceTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-02T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    [Test]
    public void ANonce_IsValidForItsSourceOnly_AndStaleAfterItsLifetime()
    {
        var nonces = new NonceService(new byte[32], _time, TimeSpan.FromSeconds(30));
        var nonce = nonces.Issue("192.0.2.1");

        Assert.That(nonces.CheckOrigin(nonce, "192.0.2.1"), Is.EqualTo(NonceState.Valid));
        Assert.That(nonces.CheckOrigin(nonce, "192.0.2.2"), Is.EqualTo(NonceState.Invalid));
        foreach (var c in "ABgw_-!+/=. ")
        {
            // Every replacement of the last or a middle character: a changed MAC, bits past the end,
            // or no base64url at all — refused, never an exception.
            if (c != nonce[^1])
            {
                Assert.That(nonces.CheckOrigin(nonce[..^1] + c, "192.0.2.1"), Is.EqualTo(NonceState.Invalid), $"last character {c}");
            }

            if (c != nonce[20])
            {
                Assert.That(nonces.CheckOrigin(nonce[..20] + c + nonce[21..], "192.0.2.1"), Is.EqualTo(NonceState.Invalid), $"middle character {c}");
            }
        }

        Assert.That(nonces.CheckOrigin(nonce + "A", "192.0.2.1"), Is.EqualTo(NonceState.Invalid));
        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.That(nonces.CheckOrigin(nonce, "192.0.2.1"), Is.EqualTo(NonceState.Stale));
    }

    [Test]
    public void AnotherServersSecret_DoesNotAcceptOurNonces()
    {
        var ours = new NonceService(new byte[32], _time, TimeSpan.FromSeconds(30));
        var theirs = new NonceService(Enumerable.Repeat((byte)1, 32).ToArray(), _time, TimeSpan.FromSeconds(30));

        // Each instance keeps its own keyed HMACs: alternating between them must not mix keys.
        var nonce = ours.Issue("192.0.2.1");
        Assert.That(theirs.CheckOrigin(nonce, "192.0.2.1"), Is.EqualTo(NonceState.Invalid));
        Assert.That(ours.CheckOrigin(nonce, "192.0.2.1"), Is.EqualTo(NonceState.Valid));
    }

    [Test]
    public void NoncesOfOneSecond_AreAllDifferent_AcrossSeveralRandomBlocks()
    {
        var nonces = new NonceService(new byte[32], _time, TimeSpan.FromSeconds(30));

        var issued = Enumerable.Range(0, 1000).Select(_ => nonces.Issue("192.0.2.1")).ToList();

        Assert.That(issued.Distinct().Count(), Is.EqualTo(1000));
        Assert.That(issued.Select(n => nonces.CheckOrigin(n, "192.0.2.1")), Is.All.EqualTo(NonceState.Valid));
    }

    [Test]
    public void ANonceCount_IsAcceptedOnce_ExceptForARetransmissionOfTheSameRequest()
    {
        var nonces = new NonceService(new byte[32], _time, TimeSpan.FromSeconds(30));
        var nonce = nonces.Issue("192.0.2.1");

        Assert.That(nonces.RecordCount(Sequence(nonces, nonce), 1, 11), Is.EqualTo(NonceCountResult.Fresh));
        Assert.That(nonces.RecordCount(Sequence(nonces, nonce), 1, 11), Is.EqualTo(NonceCountResult.Fresh), "the same request again");
        Assert.That(nonces.RecordCount(Sequence(nonces, nonce), 1, 22), Is.EqualTo(NonceCountResult.Replayed), "another request with a used count");
        Assert.That(nonces.RecordCount(Sequence(nonces, nonce), 3, 33), Is.EqualTo(NonceCountResult.Fresh));
        Assert.That(nonces.RecordCount(Sequence(nonces, nonce), 2, 44), Is.EqualTo(NonceCountResult.Replayed), "a lower count");
        Assert.That(nonces.RecordCount(Sequence(nonces, nonce), 1, 11), Is.EqualTo(NonceCountResult.Replayed), "the first request after a higher count");
        Assert.That(nonces.RecordCount(Sequence(nonces, nonce), 3, 0), Is.EqualTo(NonceCountResult.Replayed), "no request identity: no retransmission exception");
    }

    [Test]
    public void NoncesInUseAtOnce_KeepTheirOwnCounts()
    {
        var nonces = new NonceService(new byte[32], _time, TimeSpan.FromSeconds(30));
        var first = nonces.Issue("192.0.2.1");
        var second = nonces.Issue("192.0.2.1");

        Assert.That(nonces.RecordCount(Sequence(nonces, first), 5, 1), Is.EqualTo(NonceCountResult.Fresh));
        Assert.That(nonces.RecordCount(Sequence(nonces, second), 1, 2), Is.EqualTo(NonceCountResult.Fresh), "a count of another nonce");
        Assert.That(nonces.RecordCount(Sequence(nonces, first), 5, 3), Is.EqualTo(NonceCountResult.Replayed));
        Assert.That(nonces.RecordCount(Sequence(nonces, second), 2, 4), Is.EqualTo(NonceCountResult.Fresh));
    }

    [Test]
    public void ANonceWhoseSlotANewerNonceTook_IsUntracked_NotReplayed()
    {
        var nonces = new NonceService(new byte[32], _time, TimeSpan.FromSeconds(300));
        var old = nonces.Issue("192.0.2.1");
        Assert.That(nonces.RecordCount(Sequence(nonces, old), 1, 1), Is.EqualTo(NonceCountResult.Fresh));

        // The table's size in nonces later, a new nonce falls on the same slot and takes it over.
        string newer = old;
        for (var i = 0; i < NonceCounts.Size; i++)
        {
            newer = nonces.Issue("192.0.2.1");
        }

        Assert.That(nonces.RecordCount(Sequence(nonces, newer), 1, 2), Is.EqualTo(NonceCountResult.Fresh));
        Assert.That(nonces.RecordCount(Sequence(nonces, old), 2, 3), Is.EqualTo(NonceCountResult.Untracked), "its count can no longer be checked: stale");
        Assert.That(nonces.RecordCount(Sequence(nonces, newer), 1, 4), Is.EqualTo(NonceCountResult.Replayed), "the newer nonce's count is kept");
    }

    [Test]
    public void RecordingCounts_AllocatesNothing()
    {
        var nonces = new NonceService(new byte[32], _time, TimeSpan.FromSeconds(300));
        var issued = Enumerable.Range(0, 10_000).Select(_ => nonces.Issue("192.0.2.1")).ToArray();
        nonces.RecordCount(Sequence(nonces, issued[0]), 1, 1); // first call's one-time costs

        // The whole check as AuthCheck makes it: the origin (which yields the sequence), then the count.
        var before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var nonce in issued)
        {
            nonces.CheckOrigin(nonce, "192.0.2.1", out var sequence);
            nonces.RecordCount(sequence, 1, 1);
            nonces.RecordCount(sequence, 2, 2);
        }

        // A map of nonces kept an entry (and a string) per nonce in use for its whole lifetime.
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0));
    }

    /// <summary>The nonce's sequence number, as AuthCheck gets it from the origin check.</summary>
    private static uint Sequence(NonceService nonces, string nonce)
    {
        Assert.That(nonces.CheckOrigin(nonce, "192.0.2.1", out var sequence), Is.EqualTo(NonceState.Valid));
        return sequence;
    }
}
