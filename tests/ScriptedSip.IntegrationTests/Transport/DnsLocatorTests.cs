using System.Net;
using Microsoft.Extensions.Time.Testing;
using ScriptedSip.Core.Stats;
using ScriptedSip.Core.Transport;
using ScriptedSip.Core.Transport.ServerLocation;
using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Transport;

/// <summary>RFC 3263 server location against a real DNS server (dnsmasq on loopback), and the resolver's TTL cache on a fake clock.</summary>
public sealed class DnsLocatorTests
{
    private static readonly string[] Records =
    [
        "--host-record=a.example.test,127.0.0.11",
        "--host-record=b.example.test,127.0.0.12",
        "--host-record=t.example.test,127.0.0.13",
        "--srv-host=_sip._udp.example.test,b.example.test,5080,20,0",
        "--srv-host=_sip._udp.example.test,a.example.test,5070,10,0",
        "--naptr-record=naptr.test,10,10,S,SIP+D2T,,_sip._tcp.naptr.test",
        "--naptr-record=naptr.test,20,10,S,SIP+D2U,,_sip._udp.naptr.test",
        "--srv-host=_sip._tcp.naptr.test,t.example.test,5090,10,0",
        "--srv-host=_sip._udp.naptr.test,a.example.test,5070,10,0",
        "--srv-host=_sip._tcp.tcponly.test,t.example.test,5091,10,0",
        "--srv-host=_sip._udp.dot.test",
        .. Enumerable.Range(0, 10).Select(i => $"--cname=c{i}.test,c{i + 1}.test"),
        "--host-record=c10.test,127.0.0.14",
        .. Enumerable.Range(1, 120).Select(i => $"--host-record=big.test,127.0.1.{i}"),
    ];

    private static DnsServerLocator Locator(Dnsmasq dns) => new([dns.EndPoint], TimeSpan.FromSeconds(2));

    [Test]
    public async Task SrvOnly_TargetsByPriority_WithTheirPortsAndAddresses()
    {
        using var dns = await Dnsmasq.StartAsync(Records);

        var answer = await Locator(dns).LocateAsync(new LocateRequest("example.test", null, 0), CancellationToken.None);

        Assert.That(answer.Error, Is.Null);
        var targets = answer.Targets(new Random(1));
        Assert.That(targets.Select(t => t.EndPoint.ToString()), Is.EqualTo(new[] { "127.0.0.11:5070", "127.0.0.12:5080" }));
        Assert.That(targets.Select(t => t.Protocol), Is.All.EqualTo(SipProtocol.Udp));
        Assert.That(answer.TimeToLive, Is.EqualTo(TimeSpan.FromSeconds(Dnsmasq.RecordTtlSeconds)));
    }

    [Test]
    public async Task Naptr_OrderDecides_TcpFirstThenUdp()
    {
        using var dns = await Dnsmasq.StartAsync(Records);

        var answer = await Locator(dns).LocateAsync(new LocateRequest("naptr.test", null, 0), CancellationToken.None);

        var targets = answer.Targets(new Random(1));
        Assert.That(targets, Is.EqualTo(new[]
        {
            new ServerTarget(IPEndPoint.Parse("127.0.0.13:5090"), SipProtocol.Tcp),
            new ServerTarget(IPEndPoint.Parse("127.0.0.11:5070"), SipProtocol.Udp),
        }));
    }

    [Test]
    public async Task NamedTransport_AsksThatSrvName_ExplicitPort_AsksOnlyTheAddress()
    {
        using var dns = await Dnsmasq.StartAsync(Records);
        var locator = Locator(dns);

        var tcp = await locator.LocateAsync(new LocateRequest("tcponly.test", SipProtocol.Tcp, 0), CancellationToken.None);
        var withPort = await locator.LocateAsync(new LocateRequest("a.example.test", null, 5999), CancellationToken.None);

        Assert.That(tcp.Targets(new Random(1)), Is.EqualTo(new[] { new ServerTarget(IPEndPoint.Parse("127.0.0.13:5091"), SipProtocol.Tcp) }));
        Assert.That(withPort.Targets(new Random(1)), Is.EqualTo(new[] { new ServerTarget(IPEndPoint.Parse("127.0.0.11:5999"), null) }));
        Assert.That(withPort.Queries, Is.EqualTo(1), "an explicit port: one A query, no NAPTR or SRV");
    }

    [TestCase("nosuch.test", 0, "has no address")]
    [TestCase("dot.test", 0, "has no SIP service (its SRV target is '.')")]
    [TestCase("c0.test", 5060, "the CNAME chain of 'c0.test' loops or is longer than 8")]
    public async Task Unresolvable_SaysWhy(string name, int port, string why)
    {
        using var dns = await Dnsmasq.StartAsync(Records);

        var answer = await Locator(dns).LocateAsync(new LocateRequest(name, null, port), CancellationToken.None);

        Assert.That(answer.Resolved, Is.False);
        Assert.That(answer.Error, Does.Contain(why));
    }

    [Test]
    public async Task TruncatedUdpAnswer_IsAskedAgainOverTcp()
    {
        using var dns = await Dnsmasq.StartAsync(Records);

        var answer = await Locator(dns).LocateAsync(new LocateRequest("big.test", null, 5060), CancellationToken.None);

        Assert.That(answer.Resolved, Is.True, answer.Error);
        var targets = answer.Targets(new Random(1));
        Assert.That(targets, Has.Count.EqualTo(LocatedServers.MaxTargets), "120 addresses over TCP, the first 16 kept");
        Assert.That(targets.Select(t => t.EndPoint.Address.ToString()), Has.All.StartWith("127.0.1."));
    }

    [Test]
    public async Task ShortCnameChain_IsFollowed()
    {
        using var dns = await Dnsmasq.StartAsync(Records);

        var answer = await Locator(dns).LocateAsync(new LocateRequest("c5.test", null, 5060), CancellationToken.None);

        Assert.That(answer.Targets(new Random(1)).Single().EndPoint, Is.EqualTo(IPEndPoint.Parse("127.0.0.14:5060")));
    }

    [Test]
    public async Task NoServerAnswers_Unresolvable_NotThrown()
    {
        using var silent = new UdpPeer(); // a UDP socket that never answers
        var locator = new DnsServerLocator([silent.LocalEndPoint], TimeSpan.FromMilliseconds(200));

        var answer = await locator.LocateAsync(new LocateRequest("example.test", null, 5060), CancellationToken.None);

        Assert.That(answer.Resolved, Is.False);
        Assert.That(answer.Error, Does.Contain("'example.test'"));
    }

    [Test]
    public async Task Resolver_CachesByTtl_CountsQueriesHitsAndFailures()
    {
        using var dns = await Dnsmasq.StartAsync(Records);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var counters = new SipCounters();
        var resolver = new DestinationResolver(time, Locator(dns), counters, new Random(1));

        var first = resolver.Locate("sip:bob@example.test"u8);
        Assert.That(first.Status, Is.Not.EqualTo(DestinationStatus.Failed));
        if (first.Pending is { } lookup)
        {
            Assert.That((await lookup).Resolved);
        }

        var queries = counters[SipCounter.DnsQueries];
        Assert.That(queries, Is.GreaterThanOrEqualTo(2), "NAPTR, then SRV (and A if the SRV answer carried no address)");

        var cached = resolver.Locate("sip:bob@example.test"u8);
        Assert.That(cached.Status, Is.EqualTo(DestinationStatus.Resolved));
        Assert.That(cached.Targets[0].EndPoint, Is.EqualTo(IPEndPoint.Parse("127.0.0.11:5070")));
        Assert.That(counters[SipCounter.DnsCacheHits], Is.EqualTo(1));
        Assert.That(counters[SipCounter.DnsQueries], Is.EqualTo(queries));

        time.Advance(TimeSpan.FromSeconds(Dnsmasq.RecordTtlSeconds - 1));
        Assert.That(resolver.Locate("sip:bob@example.test"u8).Status, Is.EqualTo(DestinationStatus.Resolved), "still within the TTL");
        time.Advance(TimeSpan.FromSeconds(1));
        var expired = resolver.Locate("sip:bob@example.test"u8);
        if (expired.Pending is { } again)
        {
            await again;
        }

        Assert.That(counters[SipCounter.DnsQueries], Is.EqualTo(2 * queries), "the TTL has passed: asked again");

        if (resolver.Locate("sip:bob@nosuch.test"u8).Pending is { } missing)
        {
            Assert.That((await missing).Resolved, Is.False);
        }

        Assert.That(counters[SipCounter.DnsFailures], Is.EqualTo(1));
        Assert.That(resolver.Locate("sip:bob@nosuch.test"u8).Status, Is.EqualTo(DestinationStatus.Failed), "a negative answer is cached too");
        Assert.That(counters[SipCounter.DnsCacheHits], Is.EqualTo(3));
    }

    [Test]
    public async Task NameNotCached_LocateReturnsAtOnce_TheLookupRunsElsewhere()
    {
        using var silent = new UdpPeer(); // a DNS server that never answers: the lookup cannot have ended
        var resolver = new DestinationResolver(TimeProvider.System, new DnsServerLocator([silent.LocalEndPoint], TimeSpan.FromSeconds(2)), new SipCounters());

        var found = resolver.Locate("sip:bob@example.test"u8);

        Assert.That(found.Status, Is.EqualTo(DestinationStatus.Pending));
        Assert.That(silent.ReceiveText(TimeSpan.FromSeconds(5)), Is.Not.Empty, "the query went out");
        Assert.That((await found.Pending!).Resolved, Is.False);
    }

    [Test]
    public async Task Localhost_IsLoopback_WithoutAskingDns()
    {
        using var silent = new UdpPeer();
        var locator = new DnsServerLocator([silent.LocalEndPoint], TimeSpan.FromMilliseconds(200));

        var answer = await locator.LocateAsync(new LocateRequest("localhost", SipProtocol.Tls, 5071), CancellationToken.None);

        Assert.That(answer.Targets(new Random(1)).Single(), Is.EqualTo(new ServerTarget(IPEndPoint.Parse("127.0.0.1:5071"), SipProtocol.Tls)));
        Assert.That(answer.Queries, Is.Zero);
        silent.AssertNothingReceived("localhost is never a DNS question");
    }

    [Test]
    public void IpLiteral_NeverTouchesDns()
    {
        var counters = new SipCounters();
        var resolver = new DestinationResolver(TimeProvider.System, new DnsServerLocator([new IPEndPoint(IPAddress.Loopback, 9)], TimeSpan.FromMilliseconds(50)), counters);

        var found = resolver.Locate("sip:bob@127.0.0.1:5070;transport=tcp"u8);

        Assert.That(found.Status, Is.EqualTo(DestinationStatus.Resolved));
        Assert.That(found.IsName, Is.False);
        Assert.That(found.Targets.Single(), Is.EqualTo(new ServerTarget(IPEndPoint.Parse("127.0.0.1:5070"), SipProtocol.Tcp)));
        Assert.That(counters[SipCounter.DnsQueries], Is.Zero);
    }
}
