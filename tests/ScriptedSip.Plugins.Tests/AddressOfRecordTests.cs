namespace ScriptedSip.Plugins.Tests;

/// <summary>
/// The address-of-record the registrar stores and looks up under: user part exact, host lower-case,
/// without port, parameters or headers; anything that is not a plain sip:/sips: URI with a user has none.
/// </summary>
public sealed class AddressOfRecordTests
{
    [TestCase("sip:alice@Example.ORG", "alice@example.org")]
    [TestCase("sip:Alice@example.org:5070;transport=tcp", "Alice@example.org")]
    [TestCase("SIPS:bob@HOST.example.org;lr?subject=x", "bob@host.example.org")]
    [TestCase("  sip:carol@host?subject=x ", "carol@host")]
    [TestCase("sips:Bob@[2001:DB8::1]:5061", "Bob@[2001:db8::1]")]
    [TestCase("sip:bob@[::1]", "bob@[::1]")]
    [TestCase("sip:+4912345@gw.example.org;user=phone", "+4912345@gw.example.org")]
    public void AUriWithAUser_HasItsAddressOfRecord(string uri, string expected) =>
        Assert.That(Registrar.Registrar.ToAor(uri), Is.EqualTo(expected));

    [TestCase(null)]
    [TestCase("sip:example.org")]
    [TestCase("sip:@example.org")]
    [TestCase("tel:+4912345")]
    [TestCase("sip:a b@example.org")]
    [TestCase("<sip:alice@example.org>")]
    [TestCase("sip:")]
    public void AnythingElse_HasNone(string? uri) => Assert.That(Registrar.Registrar.ToAor(uri), Is.Null);

    [Test]
    public void LongUris_AreBuiltOnTheHeap_AndRefusedAtTheLimit()
    {
        var user = new string('u', 600);
        Assert.That(Registrar.Registrar.ToAor($"sip:{user}@EXAMPLE.org"), Is.EqualTo(user + "@example.org"));
        Assert.That(Registrar.Registrar.ToAor($"sip:{new string('u', 1100)}@example.org"), Is.Null);
    }
}
