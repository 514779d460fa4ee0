using Microsoft.Extensions.Time.Testing;
using ScriptedSip.Core.Timers;

namespace ScriptedSip.Core.Tests.Timers;

/// <summary>Cancel, bulk schedule/cancel, and Dispose.</summary>
[TestFixture]
public sealed class TimerWheelCancelTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(10);

    [Test]
    public void Cancel_PendingTimer_ReturnsTrueAndNeverFires()
    {
        var time = new FakeTimeProvider();
        using var wheel = new TimerWheel(time, Tick);
        bool fired = false;
        TimerHandle handle = wheel.Schedule(TimeSpan.FromMilliseconds(50), _ => fired = true, null);

        bool cancelled = wheel.Cancel(handle);
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.That(cancelled, Is.True);
        Assert.That(fired, Is.False);
        Assert.That(handle.IsPending, Is.False);
        Assert.That(wheel.Pending, Is.Zero);
    }

    [Test]
    public void Cancel_Twice_SecondReturnsFalse()
    {
        var time = new FakeTimeProvider();
        using var wheel = new TimerWheel(time, Tick);
        TimerHandle handle = wheel.Schedule(TimeSpan.FromMilliseconds(50), _ => { }, null);

        Assert.That(wheel.Cancel(handle), Is.True);
        Assert.That(wheel.Cancel(handle), Is.False);
        Assert.That(wheel.Pending, Is.Zero);
    }

    [Test]
    public void Cancel_AfterFiring_ReturnsFalse()
    {
        var time = new FakeTimeProvider();
        using var wheel = new TimerWheel(time, Tick);
        int fired = 0;
        TimerHandle handle = wheel.Schedule(TimeSpan.FromMilliseconds(50), _ => fired++, null);
        Assert.That(handle.IsPending, Is.True);

        time.Advance(TimeSpan.FromMilliseconds(60));

        Assert.That(fired, Is.EqualTo(1));
        Assert.That(handle.IsPending, Is.False);
        Assert.That(wheel.Cancel(handle), Is.False);
        Assert.That(wheel.Pending, Is.Zero);
    }

    [Test]
    public void Cancel_FromEarlierCallbackInSameTick_ReturnsFalseAndLaterCallbackStillRuns()
    {
        // Both are collected in the same sweep: once collected a timer counts as fired, so Cancel must
        // report false (its callback is going to run) rather than claim it was stopped.
        var time = new FakeTimeProvider();
        using var wheel = new TimerWheel(time, Tick);
        TimerHandle? second = null;
        bool? cancelResult = null;
        bool secondFired = false;
        wheel.Schedule(TimeSpan.FromMilliseconds(10), _ => cancelResult = wheel.Cancel(second!), null);
        second = wheel.Schedule(TimeSpan.FromMilliseconds(10), _ => secondFired = true, null);

        time.Advance(Tick);

        Assert.That(cancelResult, Is.False);
        Assert.That(secondFired, Is.True);
    }

    [Test]
    public void Cancel_OneOfSeveralInSameSlot_OthersStillFire()
    {
        var time = new FakeTimeProvider();
        using var wheel = new TimerWheel(time, Tick, slots: 4);
        var fired = new List<int>();
        // Same slot: 20 ms, 60 ms and 100 ms are 2, 6 and 10 ticks, all slot 2 of 4; cancel the middle one.
        int[] delaysMs = [20, 60, 100];
        TimerHandle[] handles = [.. delaysMs.Select(ms => wheel.Schedule(TimeSpan.FromMilliseconds(ms), _ => fired.Add(ms), null))];

        Assert.That(wheel.Cancel(handles[1]), Is.True);
        time.Advance(TimeSpan.FromMilliseconds(200));

        Assert.That(string.Join(",", fired), Is.EqualTo("20,100"));
    }

    [Test]
    public void Cancel_HandleFromAnotherWheel_Throws()
    {
        var time = new FakeTimeProvider();
        using var wheel = new TimerWheel(time, Tick);
        using var other = new TimerWheel(time, Tick);
        TimerHandle handle = other.Schedule(TimeSpan.FromMilliseconds(50), _ => { }, null);

        Assert.That(() => wheel.Cancel(handle), Throws.ArgumentException);
        Assert.That(handle.IsPending, Is.True);
    }

    [Test]
    public void ScheduleAndCancel_100000Timers_PendingBackToZeroAndNothingFires()
    {
        const int count = 100_000;
        var time = new FakeTimeProvider();
        using var wheel = new TimerWheel(time, Tick);
        int fired = 0;
        var handles = new TimerHandle[count];
        for (int i = 0; i < count; i++)
        {
            // 1 ms .. 64 s: spread over every slot and many revolutions (1024 x 10 ms = 10.24 s).
            handles[i] = wheel.Schedule(TimeSpan.FromMilliseconds(1 + (i * 7919 % 64_000)), _ => fired++, null);
        }

        Assert.That(wheel.Pending, Is.EqualTo(count));

        // Cancel in an order unrelated to scheduling order, to unlink from heads, middles and tails.
        int cancelled = 0;
        for (int i = 0; i < count; i++)
        {
            cancelled += wheel.Cancel(handles[(int)((long)i * 31_337 % count)]) ? 1 : 0;
        }

        Assert.That(cancelled, Is.EqualTo(count));
        Assert.That(wheel.Pending, Is.Zero);
        time.Advance(TimeSpan.FromSeconds(70));
        Assert.That(fired, Is.Zero);
    }

    [Test]
    public void Schedule_100000TimersThenRunPastAll_AllFireOnceAndPendingZero()
    {
        const int count = 100_000;
        var time = new FakeTimeProvider();
        using var wheel = new TimerWheel(time, Tick);
        var firedCount = new int[count];
        for (int i = 0; i < count; i++)
        {
            wheel.Schedule(TimeSpan.FromMilliseconds(i * 7919 % 30_000), s => firedCount[(int)s!]++, i);
        }

        // Run tick by tick (3,000 ticks) as a real ticker would, with the odd late tick.
        for (int step = 0; step < 3_010; step++)
        {
            time.SetUtcNow(time.GetUtcNow() + (step % 100 == 0 ? Tick * 5 : Tick));
        }

        Assert.That(wheel.Pending, Is.Zero);
        Assert.That(firedCount, Is.All.EqualTo(1));
    }

    [Test]
    public void Dispose_WithPendingTimers_NothingFiresAfterwards()
    {
        var time = new FakeTimeProvider();
        var wheel = new TimerWheel(time, Tick);
        int fired = 0;
        TimerHandle handle = wheel.Schedule(TimeSpan.FromMilliseconds(30), _ => fired++, null);
        wheel.Schedule(TimeSpan.FromSeconds(30), _ => fired++, null);

        wheel.Dispose();
        time.Advance(TimeSpan.FromMinutes(1));

        Assert.That(fired, Is.Zero);
        Assert.That(wheel.Pending, Is.Zero);
        Assert.That(handle.IsPending, Is.False);
        Assert.That(wheel.Cancel(handle), Is.False);
        Assert.That(() => wheel.Schedule(TimeSpan.FromMilliseconds(1), _ => fired++, null), Throws.TypeOf<ObjectDisposedException>());
        Assert.That(wheel.Dispose, Throws.Nothing);
    }

    [Test]
    public void Dispose_FromCallback_RestOfTheBatchDoesNotRun()
    {
        var time = new FakeTimeProvider();
        var wheel = new TimerWheel(time, Tick);
        var fired = new List<string>();
        wheel.Schedule(TimeSpan.FromMilliseconds(10), _ =>
        {
            fired.Add("first");
            wheel.Dispose();
        }, null);
        wheel.Schedule(TimeSpan.FromMilliseconds(10), _ => fired.Add("second"), null);

        time.Advance(TimeSpan.FromMilliseconds(50));

        Assert.That(string.Join(",", fired), Is.EqualTo("first"));
    }

    [Test]
    public void Dispose_Always_StopsTheUnderlyingTimer()
    {
        var provider = new CountingTimeProvider();
        var wheel = new TimerWheel(provider, Tick);

        wheel.Dispose();

        Assert.That(provider.TimersCreated, Is.EqualTo(1));
        Assert.That(provider.TimersDisposed, Is.EqualTo(1));
    }

    /// <summary>Counts the ITimers the wheel creates and disposes.</summary>
    private sealed class CountingTimeProvider : FakeTimeProvider
    {
        public int TimersCreated { get; private set; }

        public int TimersDisposed => _disposed;

        private int _disposed;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            TimersCreated++;
            return new CountingTimer(base.CreateTimer(callback, state, dueTime, period), this);
        }

        private sealed class CountingTimer(ITimer inner, CountingTimeProvider owner) : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(dueTime, period);

            public void Dispose()
            {
                Interlocked.Increment(ref owner._disposed);
                inner.Dispose();
            }

            public ValueTask DisposeAsync()
            {
                Dispose();
                return ValueTask.CompletedTask;
            }
        }
    }
}
