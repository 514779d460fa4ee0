using Microsoft.Extensions.Time.Testing;
using ScriptedSip.Sdk.Plugins;

namespace ScriptedSip.Core.Tests.Sdk;

/// <summary>The plugins' periodic timer that sleeps while there is nothing to do.</summary>
[TestFixture]
public sealed class IdleTimerTests
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    [Test]
    public void TicksWhileThereIsWork_ThenSleeps_AndAWakeBringsTheNextTickOnePeriodLater()
    {
        var time = new FakeTimeProvider();
        var work = 3;
        var ticks = 0;
        using var timer = new IdleTimer(time, Period, () => { ticks++; work--; }, () => work > 0);

        Step(time, 3);
        Assert.That(ticks, Is.EqualTo(3));
        Assert.That(timer.Asleep, Is.True);

        time.Advance(TimeSpan.FromHours(1));
        Assert.That(ticks, Is.EqualTo(3), "asleep: no tick");

        work = 1;
        timer.Wake();
        timer.Wake(); // a second wake does not arm a second timer
        time.Advance(Period - TimeSpan.FromMilliseconds(1));
        Assert.That(ticks, Is.EqualTo(3));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(ticks, Is.EqualTo(4));
        Step(time, 5);
        Assert.That(ticks, Is.EqualTo(4), "one tick for one wake, then asleep again");
    }

    [Test]
    public void WorkThatAppearsDuringATick_KeepsItAwake()
    {
        var time = new FakeTimeProvider();
        var ticks = 0;
        var work = false;
        using var timer = new IdleTimer(time, Period, () => { ticks++; work = ticks < 3; }, () => work);

        Step(time, 10);

        Assert.That(ticks, Is.EqualTo(3));
    }

    [Test]
    public void Disposed_NeverTicksAgain_EvenWhenWoken()
    {
        var time = new FakeTimeProvider();
        var ticks = 0;
        var timer = new IdleTimer(time, Period, () => ticks++, () => false);
        time.Advance(Period);
        timer.Dispose();

        timer.Wake();
        Step(time, 3);

        Assert.That(ticks, Is.EqualTo(1));
    }

    // Each tick arms the next one period after it ran: advance one period at a time, as real time passes.
    private static void Step(FakeTimeProvider time, int periods)
    {
        for (var i = 0; i < periods; i++)
        {
            time.Advance(Period);
        }
    }
}
