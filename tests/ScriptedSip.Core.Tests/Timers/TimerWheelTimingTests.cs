using Microsoft.Extensions.Time.Testing;
using ScriptedSip.Core.Timers;

namespace ScriptedSip.Core.Tests.Timers;

/// <summary>When callbacks run: never before their delay, at most one tick after it, in due order.</summary>
[TestFixture]
public sealed class TimerWheelTimingTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(10);

    // 16 slots x 10 ms = 160 ms per revolution, so the longer delays exercise timers that wait several rounds.
    private const int Slots = 16;

    // In 100 ns units, against a 100,000-unit tick: just after a boundary, mid-tick, just before and on one.
    private static readonly long[] SubTickDelays = [1, 999, 50_001, 99_999, 100_000, 100_001, 1_600_001, 3_333_333];

    [Test]
    public void Schedule_DelaysWithinAndBeyondOneRevolution_FiresNotEarlyAndAtMostOneTickLate(
        [Values(0, 1, 9, 10, 11, 25, 159, 160, 161, 170, 320, 1_000, 3_337)] int delayMs,
        [Values(0, 3, 9)] int startOffsetMs)
    {
        var time = new FakeTimeProvider();
        using var wheel = new TimerWheel(time, Tick, Slots);
        time.SetUtcNow(time.GetUtcNow().AddMilliseconds(startOffsetMs));
        DateTimeOffset start = time.GetUtcNow();
        DateTimeOffset due = start.AddMilliseconds(delayMs);
        DateTimeOffset? firedAt = null;

        TimerHandle handle = wheel.Schedule(TimeSpan.FromMilliseconds(delayMs), _ => firedAt = time.GetUtcNow(), null);

        Assert.That(wheel.Pending, Is.EqualTo(1));
        if (delayMs > 0)
        {
            time.SetUtcNow(due.AddTicks(-1));
            Assert.That(firedAt, Is.Null, "fired before its delay");
        }

        // Step a millisecond at a time (tick boundaries are whole milliseconds here) to see when it fires.
        time.SetUtcNow(due);
        while (firedAt is null && time.GetUtcNow() < due + Tick + Tick)
        {
            time.SetUtcNow(time.GetUtcNow().AddMilliseconds(1));
        }

        Assert.That(firedAt, Is.Not.Null);
        Assert.That(firedAt!.Value, Is.GreaterThanOrEqualTo(due));
        Assert.That(firedAt.Value, Is.LessThanOrEqualTo(due + Tick));
        Assert.That(handle.IsPending, Is.False);
        Assert.That(wheel.Pending, Is.Zero);
    }

    [Test]
    public void Schedule_SubTickDelays_NeverFireEarly()
    {
        var time = new FakeTimeProvider();
        using var wheel = new TimerWheel(time, Tick, Slots);
        time.Advance(TimeSpan.FromTicks(12_345));
        DateTimeOffset start = time.GetUtcNow();
        TimeSpan[] delays = [.. SubTickDelays.Select(TimeSpan.FromTicks)];
        var firedAt = new DateTimeOffset?[delays.Length];
        for (int i = 0; i < delays.Length; i++)
        {
            int index = i;
            wheel.Schedule(delays[i], _ => firedAt[index] = time.GetUtcNow(), null);
        }

        // 10 µs steps: fine enough to see an early firing of any of the sub-tick delays.
        DateTimeOffset end = start + delays.Max() + Tick + Tick;
        while (time.GetUtcNow() < end)
        {
            time.SetUtcNow(time.GetUtcNow().AddTicks(100));
        }

        for (int i = 0; i < delays.Length; i++)
        {
            Assert.That(firedAt[i], Is.Not.Null, $"delay {delays[i]}");
            Assert.That(firedAt[i]!.Value, Is.GreaterThanOrEqualTo(start + delays[i]), $"delay {delays[i]}");
            Assert.That(firedAt[i]!.Value, Is.LessThanOrEqualTo(start + delays[i] + Tick), $"delay {delays[i]}");
        }
    }

    [Test]
    public void Schedule_TickerRunsJustBeforeBoundaries_StillAtMostOneTickLate(
        [Values(1, 5, 9, 10, 15, 21, 99, 170, 333)] int delayMs)
    {
        // A real periodic timer drifts against the clock; here every tick callback comes 1 ms before a
        // tick boundary. Timers already due in the tick in progress must go then, not a period later.
        var time = new EarlyTickerTimeProvider(TimeSpan.FromMilliseconds(1));
        using var wheel = new TimerWheel(time, Tick, Slots);
        time.SetUtcNow(time.GetUtcNow().AddMilliseconds(2));
        DateTimeOffset due = time.GetUtcNow().AddMilliseconds(delayMs);
        DateTimeOffset? firedAt = null;
        wheel.Schedule(TimeSpan.FromMilliseconds(delayMs), _ => firedAt = time.GetUtcNow(), null);

        while (firedAt is null && time.GetUtcNow() < due + Tick + Tick)
        {
            time.SetUtcNow(time.GetUtcNow().AddMilliseconds(1));
        }

        Assert.That(firedAt, Is.Not.Null);
        Assert.That(firedAt!.Value, Is.GreaterThanOrEqualTo(due));
        Assert.That(firedAt.Value, Is.LessThanOrEqualTo(due + Tick));
    }

    [Test]
    public void Schedule_ZeroOrNegativeDelay_FiresOnNextTickNotInline()
    {
        var time = new FakeTimeProvider();
        using var wheel = new TimerWheel(time, Tick, Slots);
        time.SetUtcNow(time.GetUtcNow().AddMilliseconds(4));
        var fired = new List<string>();

        wheel.Schedule(TimeSpan.Zero, _ => fired.Add("zero"), null);
        wheel.Schedule(TimeSpan.FromSeconds(-5), _ => fired.Add("negative"), null);
        wheel.Schedule(Timeout.InfiniteTimeSpan, _ => fired.Add("infinite"), null);

        Assert.That(fired, Is.Empty);
        time.SetUtcNow(time.GetUtcNow().AddMilliseconds(6));
        Assert.That(string.Join(",", fired), Is.EqualTo("zero,negative,infinite"));
    }

    [Test]
    public void Schedule_StatePassedToCallback_ReceivesSameObject()
    {
        var time = new FakeTimeProvider();
        using var wheel = new TimerWheel(time, Tick, Slots);
        var state = new object();
        object? received = null;

        wheel.Schedule(TimeSpan.FromMilliseconds(30), s => received = s, state);
        time.Advance(TimeSpan.FromMilliseconds(40));

        Assert.That(received, Is.SameAs(state));
    }

    [Test]
    public void Advance_ManyTicksInOneLateTick_FiresEverythingDueInDueTimeOrder()
    {
        var time = new FakeTimeProvider();
        using var wheel = new TimerWheel(time, Tick, slots: 8);
        var random = new Random(20_260_101);
        var delays = new List<TimeSpan>();
        for (int i = 0; i < 2_000; i++)
        {
            // Sub-millisecond resolution, many per slot, several revolutions (8 slots = 80 ms), some duplicates.
            delays.Add(i % 10 == 0 ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromTicks(random.NextInt64(0, 10_000_000)));
        }

        var fired = new List<int>();
        for (int i = 0; i < delays.Count; i++)
        {
            int index = i;
            wheel.Schedule(delays[i], _ => fired.Add(index), null);
        }

        // One jump of half a second: the first tick callback sees 50 ticks (6+ revolutions) at once.
        TimeSpan jump = TimeSpan.FromMilliseconds(500);
        time.Advance(jump);

        int[] expected = Enumerable.Range(0, delays.Count)
            .Where(i => delays[i] <= jump)
            .OrderBy(i => delays[i])
            .ThenBy(i => i)
            .ToArray();
        Assert.That(fired, Is.EqualTo(expected));
        Assert.That(wheel.Pending, Is.EqualTo(delays.Count - expected.Length));

        // And the rest, again in one late tick.
        time.Advance(TimeSpan.FromSeconds(2));
        int[] all = Enumerable.Range(0, delays.Count).OrderBy(i => delays[i]).ThenBy(i => i).ToArray();
        Assert.That(fired, Is.EqualTo(all));
        Assert.That(wheel.Pending, Is.Zero);
    }

    [Test]
    public void Schedule_FromInsideCallback_FiresOnALaterTick()
    {
        var time = new FakeTimeProvider();
        using var wheel = new TimerWheel(time, Tick, Slots);
        var firedAt = new List<DateTimeOffset>();

        wheel.Schedule(TimeSpan.FromMilliseconds(20), _ =>
        {
            firedAt.Add(time.GetUtcNow());
            wheel.Schedule(TimeSpan.Zero, _ => firedAt.Add(time.GetUtcNow()), null);
        }, null);

        // One tick at a time, so each Advance runs the ticker exactly once.
        time.Advance(Tick);
        time.Advance(Tick);

        Assert.That(firedAt, Has.Count.EqualTo(1));
        time.Advance(Tick);
        Assert.That(firedAt, Has.Count.EqualTo(2));
        Assert.That(firedAt[1] - firedAt[0], Is.EqualTo(Tick));
    }

    [Test]
    public void Schedule_WithSystemTimeProvider_FiresNotEarly()
    {
        using var wheel = new TimerWheel(TimeProvider.System, TimeSpan.FromMilliseconds(5));
        int[] delaysMs = [0, 7, 20, 55];
        var elapsed = new TimeSpan[delaysMs.Length];
        using var allFired = new CountdownEvent(delaysMs.Length);
        long start = TimeProvider.System.GetTimestamp();
        for (int i = 0; i < delaysMs.Length; i++)
        {
            int index = i;
            wheel.Schedule(TimeSpan.FromMilliseconds(delaysMs[i]), _ =>
            {
                elapsed[index] = TimeProvider.System.GetElapsedTime(start);
                allFired.Signal();
            }, null);
        }

        Assert.That(allFired.Wait(TimeSpan.FromSeconds(10)), Is.True);
        for (int i = 0; i < delaysMs.Length; i++)
        {
            Assert.That(elapsed[i], Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(delaysMs[i])), $"delay {delaysMs[i]} ms");
        }

        Assert.That(wheel.Pending, Is.Zero);
    }

    [Test]
    public void SystemTicker_ParksWhileNothingIsPending_AndWakesForTheNextTimer()
    {
        using var wheel = new TimerWheel(TimeProvider.System, TimeSpan.FromMilliseconds(5));
        for (var round = 1; round <= 3; round++)
        {
            // Parked: no timer pending, so the ticker thread sleeps instead of ticking.
            Assert.That(SpinWait.SpinUntil(() => wheel.TickerParks >= round, TimeSpan.FromSeconds(10)), Is.True, $"parked before round {round}");
            using var fired = new ManualResetEventSlim();
            wheel.Schedule(TimeSpan.FromMilliseconds(15), _ => fired.Set(), null);
            Assert.That(fired.Wait(TimeSpan.FromSeconds(10)), Is.True, $"a timer scheduled while parked fires (round {round})");
        }

        Assert.That(wheel.Pending, Is.Zero);
    }

    /// <summary>A fake clock whose timers' first callback comes <c>lead</c> early, so every period is out of phase.</summary>
    private sealed class EarlyTickerTimeProvider(TimeSpan lead) : FakeTimeProvider
    {
        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            base.CreateTimer(callback, state, dueTime - lead, period);
    }
}
