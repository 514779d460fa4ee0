using ScriptedSip.Plugins.Auth;

namespace ScriptedSip.Plugins.Tests;

/// <summary>The HA1 cache gives what the hash gives, per algorithm and realm, and follows a changed password.</summary>
public sealed class Ha1CacheTests
{
    [TestCase("MD5")]
    [TestCase("SHA-256")]
    public void Get_IsTheHashOfUserRealmAndPassword_FirstAndAgain(string algorithm)
    {
        var cache = new Ha1Cache();
        var expected = DigestMath.Ha1(algorithm, "alice", "example.org", "secret");

        Assert.That(cache.Get(algorithm, "alice", "example.org", "secret"), Is.EqualTo(expected));
        Assert.That(cache.Get(algorithm, "alice", "example.org", "secret"), Is.EqualTo(expected));
        Assert.That(cache.Count, Is.EqualTo(1));
    }

    [Test]
    public void Get_KeepsAlgorithmsAndRealmsApart()
    {
        var cache = new Ha1Cache();

        var md5 = cache.Get("MD5", "alice", "example.org", "secret");
        var sha = cache.Get("SHA-256", "alice", "example.org", "secret");
        var otherRealm = cache.Get("MD5", "alice", "example.net", "secret");

        Assert.That(md5, Is.EqualTo(DigestMath.Ha1("MD5", "alice", "example.org", "secret")));
        Assert.That(sha, Is.EqualTo(DigestMath.Ha1("SHA-256", "alice", "example.org", "secret")));
        Assert.That(otherRealm, Is.EqualTo(DigestMath.Ha1("MD5", "alice", "example.net", "secret")));
        Assert.That(cache.Count, Is.EqualTo(3));
    }

    [Test]
    public void Get_AfterThePasswordChanged_HashesTheNewOne()
    {
        var cache = new Ha1Cache();
        cache.Get("MD5", "alice", "example.org", "old");

        var now = cache.Get("MD5", "alice", "example.org", "new");

        Assert.That(now, Is.EqualTo(DigestMath.Ha1("MD5", "alice", "example.org", "new")));
        Assert.That(cache.Count, Is.EqualTo(1));
    }

    [Test]
    public void Get_ManyUsers_StaysWithinItsCapacity()
    {
        var cache = new Ha1Cache();
        for (var i = 0; i < Ha1Cache.Capacity + 10; i++)
        {
            cache.Get("MD5", "user" + i, "example.org", "secret");
        }

        Assert.That(cache.Count, Is.LessThanOrEqualTo(Ha1Cache.Capacity));
        Assert.That(cache.Get("MD5", "user3", "example.org", "secret"), Is.EqualTo(DigestMath.Ha1("MD5", "user3", "example.org", "secret")));
    }
}
