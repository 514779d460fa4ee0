using Microsoft.Extensions.Time.Testing;
using ScriptedSip.Core.Timers;

namespace ScriptedSip.Core.Tests.Timers;

/// <summary>Failing callbacks, argument checks, and Schedule/Cancel from several threads while ticking.</summary>
[TestFixture]
public sealed class TimerWheelRobustnessTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(10);

    [Test]
    public void Schedule_CallbackThrows_ErrorReportedAndWheelContinues()
    {
        var time = new FakeTimeProvider();
        var errors = new List<Exception>();
        using var wheel = new TimerWheel(time, Tick, onCallbackError: errors.Add);
        var fired = new List<string>();
        var boom = new InvalidOperationException("boom");
        wheel.Schedule(TimeSpan.FromMilliseconds(10), _ => throw boom, null);
        wheel.Schedule(TimeSpan.FromMilliseconds(10), _ => fired.Add("same tick"), null);
        wheel.Schedule(TimeSpan.FromMilliseconds(50), _ => fired.Add("later"), null);

        time.Advance(TimeSpan.FromMilliseconds(10));
        Assert.That(errors, Has.Count.EqualTo(1));
        Assert.That(errors[0], Is.SameAs(boom));
        Assert.That(string.Join(",", fired), Is.EqualTo("same tick"));

        time.Advance(TimeSpan.FromMilliseconds(40));
        Assert.That(string.Join(",", fired), Is.EqualTo("same tick,later"));
        Assert.That(wheel.Pending, Is.Zero);
    }

    [Test]
    public void Schedule_CallbackThrowsWithoutErrorHandler_WheelContinues()
    {
        var time = new FakeTimeProvider();
        using var wheel = new TimerWheel(time, Tick);
        bool fired = false;
        wheel.Schedule(TimeSpan.FromMilliseconds(10), _ => throw new InvalidOperationException(), null);
        wheel.Schedule(TimeSpan.FromMilliseconds(20), _ => fired = true, null);

        Assert.That(() => time.Advance(TimeSpan.FromMilliseconds(30)), Throws.Nothing);
        Assert.That(fired, Is.True);
    }

    [Test]
    public void Schedule_ErrorHandlerItselfThrows_WheelContinues()
    {
        var time = new FakeTimeProvider();
        using var wheel = new TimerWheel(time, Tick, onCallbackError: _ => throw new InvalidOperationException("sink"));
        bool fired = false;
        wheel.Schedule(TimeSpan.FromMilliseconds(10), _ => throw new InvalidOperationException(), null);
        wheel.Schedule(TimeSpan.FromMilliseconds(10), _ => fired = true, null);

        Assert.That(() => time.Advance(TimeSpan.FromMilliseconds(10)), Throws.Nothing);
        Assert.That(fired, Is.True);
    }

    [Test]
    public void Constructor_InvalidArguments_Throws()
    {
        var time = new FakeTimeProvider();

        Assert.That(() => new TimerWheel(null!, Tick), Throws.ArgumentNullException);
        Assert.That(() => new TimerWheel(time, TimeSpan.Zero), Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(() => new TimerWheel(time, Tick, slots: 0), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void ScheduleAndCancel_NullArguments_Throw()
    {
        using var wheel = new TimerWheel(new FakeTimeProvider(), Tick);

        Assert.That(() => wheel.Schedule(Tick, null!, null), Throws.ArgumentNullException);
        Assert.That(() => wheel.Cancel(null!), Throws.ArgumentNullException);
    }

    [Test]
    public void Schedule_HugeDelay_StaysPendingWithoutOverflow()
    {
        var time = new FakeTimeProvider();
        using var wheel = new TimerWheel(time, TimeSpan.FromSeconds(1));
        bool fired = false;
        TimerHandle handle = wheel.Schedule(TimeSpan.MaxValue, _ => fired = true, null);

        time.Advance(TimeSpan.FromDays(1));

        Assert.That(fired, Is.False);
        Assert.That(handle.IsPending, Is.True);
        Assert.That(wheel.Cancel(handle), Is.True);
    }

    [Test]
    public void ScheduleAndCancel_SeveralThreadsWhileTicking_PendingCountConsistent()
    {
        const int threads = 4;
        const int perThread = 25_000;
        var time = new FakeTimeProvider();
        using var wheel = new TimerWheel(time, Tick, slots: 64);
        var probes = new Probe[threads * perThread];
        int finishedWorkers = 0;

        var workers = Enumerable.Range(0, threads).Select(t => Task.Factory.StartNew(() =>
        {
            var random = new Random(t);
            for (int i = 0; i < perThread; i++)
            {
                var probe = new Probe();
                probes[(t * perThread) + i] = probe;
                probe.Handle = wheel.Schedule(TimeSpan.FromMilliseconds(random.Next(-5, 300)), static s => ((Probe)s!).Fire(), probe);

                // Cancel about half, some at once, some a while later (possibly after they fired).
                if (random.Next(4) == 0)
                {
                    probe.Cancel(wheel);
                }
                else if (random.Next(3) == 0 && i >= 100)
                {
                    probes[(t * perThread) + i - random.Next(1, 100)].Cancel(wheel);
                }
            }

            Interlocked.Increment(ref finishedWorkers);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();

        // Tick on this thread while the workers hammer the wheel.
        while (Volatile.Read(ref finishedWorkers) < threads)
        {
            time.SetUtcNow(time.GetUtcNow() + TimeSpan.FromMilliseconds(1));
        }

        Task.WaitAll(workers);
        int firedSoFar = probes.Sum(p => p.Fired);
        int cancelledSoFar = probes.Sum(p => p.Cancelled);
        Assert.That(wheel.Pending, Is.EqualTo(probes.Length - firedSoFar - cancelledSoFar));
        Assert.That(probes.Count(p => p.Handle!.IsPending), Is.EqualTo(wheel.Pending));

        time.Advance(TimeSpan.FromMilliseconds(400));

        Assert.That(wheel.Pending, Is.Zero);
        Assert.That(probes.Select(p => p.Fired + p.Cancelled), Is.All.EqualTo(1), "each timer fired or was cancelled, exactly once");
        Assert.That(probes.Sum(p => p.Cancelled), Is.GreaterThan(0));
        Assert.That(probes.Sum(p => p.Fired), Is.GreaterThan(0));
    }

    [Test]
    public void ScheduleAndCancel_SeveralThreadsWithSystemClock_EveryTimerFiresOrIsCancelledOnce()
    {
        const int threads = 4;
        const int perThread = 5_000;
        int errors = 0;
        using var wheel = new TimerWheel(TimeProvider.System, TimeSpan.FromMilliseconds(1), slots: 32, _ => Interlocked.Increment(ref errors));
        var probes = new Probe[threads * perThread];

        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var random = new Random(t);
            for (int i = 0; i < perThread; i++)
            {
                var probe = new Probe();
                probes[(t * perThread) + i] = probe;
                probe.Handle = wheel.Schedule(TimeSpan.FromMilliseconds(random.Next(0, 50)), static s => ((Probe)s!).Fire(), probe);
                if (random.Next(2) == 0)
                {
                    probe.Cancel(wheel);
                }
            }
        });

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (wheel.Pending > 0 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(5);
        }

        Assert.That(wheel.Pending, Is.Zero);
        // A fired timer's callback runs just after Pending drops; give the last batch a moment to finish.
        Assert.That(() => probes.All(p => p.Fired + p.Cancelled == 1), Is.True.After(2000, 10));
        Assert.That(probes.Any(p => p.Fired > 1), Is.False);
        Assert.That(errors, Is.Zero);
    }

    /// <summary>One timer's outcome: how often it fired, and whether Cancel reported stopping it.</summary>
    private sealed class Probe
    {
        private int _fired;
        private int _cancelled;

        public TimerHandle? Handle { get; set; }

        public int Fired => Volatile.Read(ref _fired);

        public int Cancelled => Volatile.Read(ref _cancelled);

        public void Fire() => Interlocked.Increment(ref _fired);

        public void Cancel(TimerWheel wheel)
        {
            if (wheel.Cancel(Handle!))
            {
                Interlocked.Increment(ref _cancelled);
            }
        }
    }
}
