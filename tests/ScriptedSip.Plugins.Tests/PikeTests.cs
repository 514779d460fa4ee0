using Microsoft.Extensions.Time.Testing;
using ScriptedSip.Plugins.Pike;
using ScriptedSip.Sdk.Plugins;

namespace ScriptedSip.Plugins.Tests;

/// <summary>Pike's density counting, blocking, bounded table under a spoofed flood, and the token-bucket rate limiter, on a fake clock.</summary>
public sealed class PikeTests
{
    private static readonly byte[] Offender = [192, 0, 2, 1];
    private static readonly byte[] Neighbour = [192, 0, 2, 2];
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Test]
    public void OverMaxRequestsInTheWindow_Blocked_OnceLoggedAndRaised_OthersServed_FreeAfterBlockSeconds()
    {
        var (filter, context) = Create(new PikeOptions { WindowMs = 1000, MaxRequests = 10, BlockSeconds = 30 });

        for (var i = 0; i < 10; i++)
        {
            Assert.That(Check(filter, Offender), Is.EqualTo(RequestFilterResult.Pass), $"request {i + 1} of 10 is within the limit");
        }

        Assert.That(Check(filter, Offender), Is.EqualTo(RequestFilterResult.Drop), "the 11th within the window blocks");
        for (var i = 0; i < 100; i++)
        {
            Assert.That(Check(filter, Offender).Action, Is.EqualTo(RequestFilterAction.Drop));
            Assert.That(Check(filter, Neighbour), Is.EqualTo(RequestFilterResult.Pass), "another address is not affected");
            _time.Advance(TimeSpan.FromMilliseconds(110)); // the neighbour sends about 9/s: just under the limit
        }

        var pike = context.Export<Pike.Pike>();
        Assert.That(pike.Blocks, Is.EqualTo(1));
        Assert.That(pike.Refused, Is.EqualTo(101));
        Assert.That(context.RecordingHost.Events, Is.EqualTo(new[] { ("pike:blocked", "192.0.2.1") }));
        Assert.That(context.LogLines.Count(l => l.Contains("Pike: 192.0.2.1 blocked for 30 s: 11 requests within 1000 ms", StringComparison.Ordinal)), Is.EqualTo(1));

        _time.Advance(TimeSpan.FromSeconds(19)); // 30 s after the block in all
        Assert.That(Check(filter, Offender), Is.EqualTo(RequestFilterResult.Pass), "the block has ended");
    }

    [Test]
    public void SlidingWindow_ThePreviousWindowCountsForTheShareStillInside()
    {
        var (filter, _) = Create(new PikeOptions { WindowMs = 1000, MaxRequests = 10 });
        for (var i = 0; i < 10; i++)
        {
            Check(filter, Offender);
        }

        // Half-way into the next window, half of the previous 10 still count: 5 more pass, the 6th blocks.
        _time.Advance(TimeSpan.FromMilliseconds(1500));
        for (var i = 0; i < 5; i++)
        {
            Assert.That(Check(filter, Offender), Is.EqualTo(RequestFilterResult.Pass), $"request {i + 1}");
        }

        Assert.That(Check(filter, Offender), Is.EqualTo(RequestFilterResult.Drop));
    }

    [Test]
    public void ActionReply_503WithRetryAfterOfTheRemainingBlock()
    {
        var (filter, _) = Create(new PikeOptions { WindowMs = 1000, MaxRequests = 1, BlockSeconds = 60, Action = "Reply" });
        Check(filter, Offender);

        var first = Check(filter, Offender);
        _time.Advance(TimeSpan.FromSeconds(50.5));
        var later = Check(filter, Offender);

        Assert.That((first.Action, first.Code, first.Reason, first.RetryAfterSeconds), Is.EqualTo((RequestFilterAction.Reply, 503, "Service Unavailable", 60)));
        Assert.That(later.RetryAfterSeconds, Is.EqualTo(10));
    }

    [Test]
    public void MillionSpoofedSources_TableStaysWithinItsBound_EvictionsCounted_TheBlockedSourceStaysBlocked()
    {
        var (filter, context) = Create(new PikeOptions { WindowMs = 1000, MaxRequests = 5, TableSize = 4096, BlockSeconds = 3600 });
        var pike = context.Export<Pike.Pike>();
        for (var i = 0; i < 6; i++)
        {
            Check(filter, Offender);
        }

        Span<byte> address = stackalloc byte[4];
        for (var i = 0; i < 1_000_000; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(address, (uint)i * 2654435761u); // distinct: multiplying by an odd number is a bijection
            Assert.That(filter.Check(address, 5060, "INVITE"u8).Action, Is.EqualTo(RequestFilterAction.Pass), $"spoofed address {i}: {string.Join('.', address.ToArray())}");
            if (i % 1000 == 0)
            {
                _time.Advance(TimeSpan.FromMilliseconds(1));
            }
        }

        Assert.That(pike.Capacity, Is.EqualTo(4096));
        Assert.That(pike.Tracked, Is.LessThanOrEqualTo(pike.Capacity));
        Assert.That(pike.Evicted, Is.EqualTo(1_000_000 + 1 - pike.Tracked), "every address beyond the table's slots replaced another");
        Assert.That(Check(filter, Offender).Action, Is.EqualTo(RequestFilterAction.Drop), "a flood of fresh addresses evicts itself, never the blocked one");
        Assert.That(pike.Blocks, Is.EqualTo(1));
    }

    [Test]
    public void IPv6Sources_CountedApartFromIPv4()
    {
        var (filter, _) = Create(new PikeOptions { WindowMs = 1000, MaxRequests = 2 });
        var v6 = new byte[16];
        v6[0] = 0x20;
        v6[1] = 0x01;
        v6[15] = 1;

        Check(filter, v6);
        Check(filter, v6);
        Assert.That(Check(filter, v6), Is.EqualTo(RequestFilterResult.Drop));
        Assert.That(Check(filter, Offender), Is.EqualTo(RequestFilterResult.Pass));
    }

    [TestCase("WindowMs", "WindowMs: 0 is out of range 10..3600000")]
    [TestCase("Action", "Action: 'Block' is not one of Drop, Reply")]
    [TestCase("TableSize", "TableSize: 1 is out of range 64..16777216")]
    public void BadOptions_RefusedWithTheKeyNamed(string key, string expected)
    {
        var options = key switch
        {
            "WindowMs" => new PikeOptions { WindowMs = 0 },
            "Action" => new PikeOptions { Action = "Block" },
            _ => new PikeOptions { TableSize = 1 },
        };

        var error = Assert.Throws<InvalidOperationException>(() => new PikePlugin().Configure(new TestPluginContext(options, _time)));
        Assert.That(error!.Message, Is.EqualTo(expected));
    }

    [Test]
    public void RateLimit_TokenBucketPerKey_RefillsWithTime()
    {
        var (_, context) = Create(new PikeOptions());
        var limit = context.Export<RateLimit>();

        Assert.That(Enumerable.Range(0, 5).Select(_ => limit.TryAcquire("INVITE", 5)), Has.All.True);
        Assert.That(limit.TryAcquire("INVITE", 5), Is.False, "a burst of one second's worth, then empty");
        Assert.That(limit.TryAcquire("REGISTER", 5), Is.True, "keys are independent");

        _time.Advance(TimeSpan.FromMilliseconds(400));
        Assert.That(limit.TryAcquire("INVITE", 5), Is.True);
        Assert.That(limit.TryAcquire("INVITE", 5), Is.True);
        Assert.That(limit.TryAcquire("INVITE", 5), Is.False, "400 ms at 5/s refilled 2 tokens");

        var accepted = 0;
        for (var ms = 0; ms < 10_000; ms += 10)
        {
            _time.Advance(TimeSpan.FromMilliseconds(10));
            accepted += limit.TryAcquire("INVITE", 5) ? 1 : 0;
        }

        Assert.That(accepted, Is.EqualTo(50), "offered 100/s for 10 s, 5/s accepted");
    }

    [Test]
    public void RateLimit_BoundedKeys_NewKeyRefusedWhenFull_IdleKeysMakeRoom()
    {
        var (_, context) = Create(new PikeOptions { RateLimitKeys = 2 });
        var limit = context.Export<RateLimit>();
        limit.TryAcquire("a", 10);
        limit.TryAcquire("b", 10);

        Assert.That(limit.TryAcquire("c", 10), Is.False);
        Assert.That(limit.Refused, Is.EqualTo(1));
        Assert.That(limit.Keys, Is.EqualTo(2));

        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.That(limit.TryAcquire("c", 10), Is.True, "idle keys were removed");
    }

    private (IRequestFilter Filter, TestPluginContext Context) Create(PikeOptions options)
    {
        var context = new TestPluginContext(options, _time);
        new PikePlugin().Configure(context);
        return (context.Filters.Single(), context);
    }

    private static RequestFilterResult Check(IRequestFilter filter, byte[] address) => filter.Check(address, 5060, "INVITE"u8);
}
