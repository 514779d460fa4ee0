using ScriptedSip.Plugins.Registrar;

namespace ScriptedSip.Plugins.Tests;

/// <summary>The order a lookup tries an address-of-record's contacts in (RFC 3261 §16.6: q-value groups).</summary>
public sealed class BindingOrderTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Test]
    public void SortBestFirst_HighestQ_ThenNewest_EqualOnesKeepTheirOrder()
    {
        var bindings = new List<Binding>
        {
            Binding("low", q: 100, expiresIn: 300),
            Binding("first-of-equal", q: 500, expiresIn: 60),
            Binding("newer", q: 500, expiresIn: 120),
            Binding("second-of-equal", q: 500, expiresIn: 60),
            Binding("best", q: 1000, expiresIn: 10),
        };

        BindingOrder.SortBestFirst(bindings);

        Assert.That(bindings.Select(b => b.Contact), Is.EqualTo(new[] { "best", "newer", "first-of-equal", "second-of-equal", "low" }));
    }

    [Test]
    public void Live_LeavesOutTheExpired_KeepsTheOrder()
    {
        var bindings = new List<Binding> { Binding("a", 1000, 10), Binding("gone", 1000, 0), Binding("b", 1000, 5) };

        Assert.That(BindingOrder.Live(bindings, Now).Select(b => b.Contact), Is.EqualTo(new[] { "a", "b" }));
    }

    private static Binding Binding(string contact, int q, int expiresIn) =>
        new() { Aor = "bob@d", Contact = contact, Expires = Now.AddSeconds(expiresIn), Q = q };
}
