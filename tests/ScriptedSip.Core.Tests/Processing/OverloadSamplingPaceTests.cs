using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ScriptedSip.Core.Processing.Overload;
using ScriptedSip.Core.Stats;

namespace ScriptedSip.Core.Tests.Processing;

/// <summary>
/// The overload monitor samples every SampleIntervalMs while anything happens and once a second
/// after a second of quiet, so an idle server is not woken ten times a second.
/// </summary>
[TestFixture]
public sealed class OverloadSamplingPaceTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    [Test]
    public void IdleServer_SamplesOnceASecond_AfterASecondOfQuiet()
    {
        var (monitor, time, _, _) = Start();

        time.Advance(TimeSpan.FromSeconds(1)); // ten quiet samples at the configured pace
        Assert.That(monitor.Samples, Is.EqualTo(10));

        for (var i = 0; i < 9; i++)
        {
            time.Advance(Interval);
        }

        Assert.That(monitor.Samples, Is.EqualTo(10), "no sample within the second after going idle");
        time.Advance(Interval);
        Assert.That(monitor.Samples, Is.EqualTo(11), "one sample a second while idle");
    }

    [Test]
    public void TrafficAfterIdle_BringsBackTheConfiguredInterval_AtTheNextSample()
    {
        var (monitor, time, counters, _) = Start();
        time.Advance(TimeSpan.FromSeconds(2)); // idle: 10 samples, then one a second
        var idleSamples = monitor.Samples;

        counters.Increment(SipCounter.Received); // a message arrives
        time.Advance(TimeSpan.FromSeconds(1)); // the idle sample that sees it
        Assert.That(monitor.Samples, Is.EqualTo(idleSamples + 1));

        time.Advance(Interval * 3);
        Assert.That(monitor.Samples, Is.EqualTo(idleSamples + 4), "back to a sample every 100 ms");
    }

    [Test]
    public void LiveTransactions_KeepTheConfiguredInterval()
    {
        var (monitor, time, _, live) = Start();
        live[0] = 1; // a transaction stays open: not idle, though nothing arrives
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.That(monitor.Samples, Is.EqualTo(30));
    }

    [Test]
    public void FollowingTheWatchdog_NoSamplesWhileNoTurnRuns_AndTheFirstTurnWakesIt()
    {
        var (monitor, time, _, _) = Start();
        var (_, clock) = AsleepWithTheWatchdog(monitor, time);
        var samples = monitor.Samples;
        time.Advance(TimeSpan.FromHours(1));
        Assert.That(monitor.Samples, Is.EqualTo(samples), "an idle server's monitor does not wake");

        clock.Begin("request_route", null);
        Assert.That(monitor.Asleep, Is.False);
        time.Advance(Interval);
        Assert.That(monitor.Samples, Is.EqualTo(samples + 1), "sampling at the configured interval again");
    }

    [Test]
    public void AMessageThatRunsNoRoute_WakesItToo()
    {
        var (monitor, time, _, _) = Start();
        var (watchdog, clock) = AsleepWithTheWatchdog(monitor, time);

        clock.Arrived(); // a retransmission absorbed, an ACK, a malformed packet: no turn

        Assert.That(monitor.Asleep, Is.False);
        Assert.That(watchdog.Slow, Is.False);
    }

    [Test]
    public void WhileRefusing_TheMonitorStaysAwake()
    {
        var (monitor, time, _, live) = Start(maxTransactions: 10);
        live[0] = 10;
        time.Advance(Interval); // refusing starts
        live[0] = 0;

        Assert.That(monitor.TrySleep(), Is.False, "it must keep sampling to see the load end");
        time.Advance(Interval);
        Assert.That(monitor.Asleep, Is.False);
    }

    /// <summary>A watchdog (budget 1 s: a check every 500 ms) that the monitor follows, run until both sleep.</summary>
    private static (ScriptedSip.Core.Scheduling.RouteWatchdog Watchdog, ScriptedSip.Core.Scheduling.RouteClock Clock) AsleepWithTheWatchdog(OverloadMonitor monitor, FakeTimeProvider time)
    {
        var watchdog = new ScriptedSip.Core.Scheduling.RouteWatchdog(1000, time, NullLogger.Instance);
        var clock = watchdog.Register();
        watchdog.Follow(monitor);
        watchdog.Start();
        time.Advance(TimeSpan.FromMilliseconds(500 * ScriptedSip.Core.Scheduling.RouteWatchdog.IdleChecksBeforeSlowing));
        Assert.That(monitor.Asleep, Is.True);
        return (watchdog, clock);
    }

    [Test]
    public void RealClock_SamplesWithTheWatchsLooks_AndALookThatRacesDisposeTakesNoSample()
    {
        var before = ScriptedSip.Core.Scheduling.HandoffWatch.Chores;
        var options = new OverloadOptions { SampleIntervalMs = 100 };
        var monitor = new OverloadMonitor(options, new OverloadGate(), () => 0, () => 0, 1000, kernel: null, new SipCounters(), TimeProvider.System, NullLogger.Instance);
        monitor.Start();
        var chore = ScriptedSip.Core.Scheduling.HandoffWatch.Chores.Except(before).Single();

        monitor.Dispose();
        Assert.That(ScriptedSip.Core.Scheduling.HandoffWatch.Chores, Does.Not.Contain(chore), "removed on dispose");

        // A look that took the chore just before its removal runs it after the monitor is gone.
        Assert.DoesNotThrow(() => chore());
        Assert.That(monitor.SamplesOnLooks, Is.Zero, "a disposed monitor samples nothing");
    }

    private static (OverloadMonitor Monitor, FakeTimeProvider Time, SipCounters Counters, int[] Live) Start(int maxTransactions = 100_000)
    {
        var time = new FakeTimeProvider();
        var counters = new SipCounters();
        var live = new int[1];
        var options = new OverloadOptions { SampleIntervalMs = (int)Interval.TotalMilliseconds, MaxTransactions = maxTransactions };
        var monitor = new OverloadMonitor(options, new OverloadGate(), () => live[0], () => 0, 1000, kernel: null, counters, time, NullLogger.Instance);
        monitor.Start();
        return (monitor, time, counters, live);
    }
}
