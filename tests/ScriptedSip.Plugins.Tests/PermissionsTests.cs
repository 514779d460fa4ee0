using ScriptedSip.Plugins.Permissions;

namespace ScriptedSip.Plugins.Tests;

/// <summary>Address groups: CIDR matching, ports, transports, IPv6, and every kind of bad entry refused with the entry named.</summary>
public sealed class PermissionsTests
{
    [Test]
    public void Allowed_MatchesNetworksHostsPortsAndTransports()
    {
        var permissions = Create(new()
        {
            ["trusted"] = ["127.0.0.0/8", "10.1.0.0/16", "192.0.2.7"],
            ["gateways"] = ["203.0.113.0/24:5060", "udp:198.51.100.9", "tcp:198.51.100.10"],
        });

        Assert.Multiple(() =>
        {
            Assert.That(permissions.Allowed("127.0.0.2", 5060, "trusted"), Is.True);
            Assert.That(permissions.Allowed("10.1.255.254", 1, "trusted"), Is.True);
            Assert.That(permissions.Allowed("10.2.0.1", 5060, "trusted"), Is.False);
            Assert.That(permissions.Allowed("192.0.2.7", 5060, "trusted"), Is.True);
            Assert.That(permissions.Allowed("192.0.2.8", 5060, "trusted"), Is.False);
            Assert.That(permissions.Allowed("203.0.113.50", 5060, "gateways"), Is.True);
            Assert.That(permissions.Allowed("203.0.113.50", 5061, "gateways"), Is.False, "port given: only that port");
            Assert.That(permissions.Allowed("198.51.100.9", 7000, "gateways"), Is.True, "udp entry, message over udp");
            Assert.That(permissions.Allowed("198.51.100.10", 7000, "gateways"), Is.False, "tcp entry, message over udp");
            Assert.That(permissions.Allowed("198.51.100.10", 7000, "gateways", "tcp"), Is.True);
        });
    }

    [Test]
    public void Allowed_IPv6NetworksAndBracketedPorts()
    {
        var permissions = Create(new() { ["v6"] = ["2001:db8::/32", "[::1]/128:5060"] });

        Assert.That(permissions.Allowed("2001:db8:1::5", 5060, "v6"), Is.True);
        Assert.That(permissions.Allowed("2001:db9::5", 5060, "v6"), Is.False);
        Assert.That(permissions.Allowed("::1", 5060, "v6"), Is.True);
        Assert.That(permissions.Allowed("::1", 5070, "v6"), Is.False);
        Assert.That(permissions.Allowed("127.0.0.1", 5060, "v6"), Is.False, "an IPv4 source never matches an IPv6 entry");
    }

    [Test]
    public void Allowed_TextThatIsNoAddress_IsFalse_NeverThrows()
    {
        var permissions = Create(new() { ["all"] = ["0.0.0.0/0", "::/0"] });

        foreach (var bad in new[] { "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "a.b.c.d", "1..2.3", ":::" })
        {
            Assert.That(permissions.Allowed(bad, 5060, "all"), Is.False, bad);
        }

        Assert.That(permissions.Allowed("8.8.8.8", 5060, "all"), Is.True, "/0 matches every IPv4 address");
    }

    [Test]
    public void UnknownGroup_ThrowsNamingTheConfigurationKey()
    {
        var permissions = Create(new() { ["trusted"] = ["127.0.0.1"] });

        var error = Assert.Throws<ArgumentException>(() => permissions.Allowed("127.0.0.1", 5060, "trustd"));
        Assert.That(error!.Message, Does.Contain("Plugins:Permissions:Groups:trustd"));
    }

    [TestCase("10.1.2.3/16", "Groups:g:1: '10.1.2.3/16' has host bits set after /16 (the network is 10.1.0.0/16)")]
    [TestCase("10.0.0.0/33", "Groups:g:1: '10.0.0.0/33': the prefix length must be 0..32")]
    [TestCase("10.0.0.0/", "Groups:g:1: '10.0.0.0/' has no prefix length after '/'")]
    [TestCase("10.0.0/8", "Groups:g:1: '10.0.0/8': '10.0.0' is not an IP address")]
    [TestCase("example.com/8", "Groups:g:1: 'example.com/8': 'example.com' is not an IP address")]
    [TestCase("10.0.0.1:99999", "Groups:g:1: '10.0.0.1:99999': the port must be 1..65535")]
    [TestCase("2001:db8::/129", "Groups:g:1: '2001:db8::/129': the prefix length must be 0..128")]
    [TestCase("[::1", "Groups:g:1: '[::1' has no closing ']'")]
    [TestCase("", "Groups:g:1: is empty")]
    public void BadEntry_IsRefusedWithTheEntryNamed(string entry, string expected)
    {
        var options = new PermissionsOptions { Groups = new() { ["g"] = ["127.0.0.1", entry] } };

        Assert.That(PermissionsOptions.Validate(options), Is.EqualTo(new[] { expected }));
    }

    private static Permissions.Permissions Create(Dictionary<string, List<string>> groups)
    {
        var (parsed, problems) = PermissionsOptions.Parse(new PermissionsOptions { Groups = groups });
        Assert.That(problems, Is.Empty);
        return new Permissions.Permissions(parsed);
    }
}
