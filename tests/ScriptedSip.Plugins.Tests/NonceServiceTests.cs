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

        Assert.That(nonces.RecordCount(nonce, 1, "via-a\ncseq-1"), Is.True);
        Assert.That(nonces.RecordCount(nonce, 1, "via-a\ncseq-1"), Is.True, "the same request again");
        Assert.That(nonces.RecordCount(nonce, 1, "via-b\ncseq-2"), Is.False, "another request with a used count");
        Assert.That(nonces.RecordCount(nonce, 3, "via-c\ncseq-3"), Is.True);
        Assert.That(nonces.RecordCount(nonce, 2, "via-d\ncseq-4"), Is.False, "a lower count");
        Assert.That(nonces.RecordCount(nonce, 1, "via-a\ncseq-1"), Is.False, "the first request after a higher count");
    }
}
