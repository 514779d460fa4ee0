using System.Net;
using ScriptedSip.Core.Transport;
using ScriptedSip.Core.Transport.ServerLocation;

namespace ScriptedSip.Core.Tests.Transport;

/// <summary>RFC 2782 target selection: priority first, then weighted random order, with the draws injected.</summary>
public sealed class SrvOrderingTests
{
    [Test]
    public void LowerRankAlwaysFirst_WhateverTheWeights()
    {
        var services = new[] { Service("b", rank: 20, weight: 1000), Service("a", rank: 10, weight: 0), Service("c", rank: 30, weight: 5) };

        var order = SrvOrdering.Order(services, new ScriptedRandom(0, 0, 0));

        Assert.That(string.Join(",", Names(order)), Is.EqualTo("a,b,c"));
    }

    [TestCase(new long[] { 0, 0, 0 }, new[] { "w10", "w30", "w60" })]
    [TestCase(new long[] { 95, 35, 0 }, new[] { "w60", "w30", "w10" })]
    [TestCase(new long[] { 11, 50, 0 }, new[] { "w30", "w60", "w10" })]
    [TestCase(new long[] { 10, 10, 0 }, new[] { "w10", "w30", "w60" })]
    public void EqualRank_TheRunningSumOfWeightsPicksEachDraw(long[] draws, string[] expected)
    {
        var services = new[] { Service("w10", 1, 10), Service("w30", 1, 30), Service("w60", 1, 60) };

        var order = SrvOrdering.Order(services, new ScriptedRandom(draws));

        Assert.That(Names(order), Is.EqualTo(expected));
    }

    [Test]
    public void ZeroWeight_ComesLast_UnlessTheDrawIsZero()
    {
        var services = new[] { Service("heavy", 1, 10), Service("zero", 1, 0) };

        Assert.That(string.Join(",", Names(SrvOrdering.Order(services, new ScriptedRandom(5, 0)))), Is.EqualTo("heavy,zero"));
        Assert.That(string.Join(",", Names(SrvOrdering.Order(services, new ScriptedRandom(0, 0)))), Is.EqualTo("zero,heavy"));
    }

    [Test]
    public void OverManyDraws_FirstPickFollowsTheWeights()
    {
        var services = new[] { Service("ninety", 1, 90), Service("ten", 1, 10) };
        var random = new Random(2782);

        var firsts = Enumerable.Range(0, 10_000).Select(_ => Names(SrvOrdering.Order(services, random))[0]).ToList();

        Assert.That(firsts.Count(n => n == "ninety"), Is.InRange(8_700, 9_300));
    }

    [Test]
    public void Targets_FlattenServicesInOrder_AtMostSixteen()
    {
        var many = Enumerable.Range(0, 20).Select(i => new LocatedService(i, 0, SipProtocol.Tcp, [new IPEndPoint(IPAddress.Loopback, 5000 + i)])).ToList();
        var answer = LocatedServers.Found(many, TimeSpan.FromSeconds(60), 2);

        var targets = answer.Targets(new Random(1));

        Assert.That(targets, Has.Count.EqualTo(LocatedServers.MaxTargets));
        Assert.That(targets.Select(t => t.EndPoint.Port), Is.Ordered);
        Assert.That(targets.Select(t => t.Protocol), Is.All.EqualTo(SipProtocol.Tcp));
    }

    [TestCase("127.0.0.1", "127.0.0.1:53")]
    [TestCase(" 10.0.0.2:5353 ", "10.0.0.2:5353")]
    [TestCase("::1", "[::1]:53")]
    [TestCase("[::1]:5353", "[::1]:5353")]
    public void DnsServer_IpOrIpPort(string text, string expected)
    {
        Assert.That(DnsOptions.TryParseServer(text, out var server, out var error), Is.True, error);
        Assert.That(server!.ToString(), Is.EqualTo(expected));
    }

    [TestCase("")]
    [TestCase("dns.example.com")]
    [TestCase("127.0.0.1:0")]
    [TestCase("127.0.0.1:99999")]
    [TestCase("1.2.3")]
    public void DnsServer_AnythingElse_IsRefusedWithAReason(string text)
    {
        Assert.That(DnsOptions.TryParseServer(text, out var server, out var error), Is.False);
        Assert.That(server, Is.Null);
        Assert.That(error, Is.Not.Empty);
    }

    private static readonly List<string> Known = ["a", "b", "c", "w10", "w30", "w60", "heavy", "zero", "ninety", "ten"];

    /// <summary>A service whose port tells its name back (see <see cref="Names"/>).</summary>
    private static LocatedService Service(string name, long rank, int weight) =>
        new(rank, weight, SipProtocol.Udp, [new IPEndPoint(IPAddress.Loopback, 5000 + Known.IndexOf(name))]);

    private static List<string> Names(IEnumerable<LocatedService> services) => [.. services.Select(s => Known[s.Addresses[0].Port - 5000])];

    /// <summary>Returns the given draws in turn (each within the range asked for).</summary>
    private sealed class ScriptedRandom(params long[] draws) : Random
    {
        private int _next;

        public override long NextInt64(long maxValue)
        {
            var draw = draws[_next++];
            Assert.That(draw, Is.LessThan(maxValue), "a scripted draw outside the range asked for");
            return draw;
        }
    }
}
