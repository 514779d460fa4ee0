using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ScriptedSip.Core.Scheduling;

namespace ScriptedSip.Core.Tests.Scheduling;

/// <summary>
/// The route watchdog looks every half budget while routes run, not at all once the workers have
/// been idle for a few looks, and goes back to its pace as soon as a turn starts.
/// </summary>
[TestFixture]
public sealed class RouteWatchdogPaceTests
{
    private const int BudgetMs = 1000; // checks every 500 ms

    [Test]
    public void IdleWorkers_StopTheChecks_UntilATurnStarts()
    {
        var (watchdog, time, clock) = Start();
        for (var i = 0; i < RouteWatchdog.IdleChecksBeforeSlowing; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(BudgetMs / 2));
        }

        Assert.That(watchdog.Slow, Is.True);
        var checks = watchdog.Checks;
        time.Advance(TimeSpan.FromHours(1));
        Assert.That(watchdog.Checks, Is.EqualTo(checks), "an idle server's watchdog does not wake");

        clock.Begin("request_route", null);
        clock.End();
        time.Advance(TimeSpan.FromMilliseconds(BudgetMs / 2));
        Assert.That(watchdog.Checks, Is.EqualTo(checks + 1), "the turn brought the normal pace back");
    }

    [Test]
    public void TurnStartedWhileSlow_IsReportedWithinItsBudgetAndOneNormalPeriod()
    {
        var (watchdog, time, clock) = Start();
        time.Advance(TimeSpan.FromMilliseconds(BudgetMs / 2 * RouteWatchdog.IdleChecksBeforeSlowing));
        Assert.That(watchdog.Slow, Is.True);

        clock.Begin("request_route", null); // a route that blocks
        Assert.That(watchdog.Slow, Is.False);
        time.Advance(TimeSpan.FromMilliseconds(BudgetMs + (BudgetMs / 2)));
        Assert.That(watchdog.Reported, Is.EqualTo(1), "reported at the normal pace, not after the idle period");
    }

    [Test]
    public void RunningTurn_KeepsTheNormalPace()
    {
        var (watchdog, time, clock) = Start();
        clock.Begin("request_route", null);
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Multiple(() =>
        {
            Assert.That(watchdog.Slow, Is.False);
            Assert.That(watchdog.Checks, Is.EqualTo(10));
        });
    }

    private static (RouteWatchdog Watchdog, FakeTimeProvider Time, RouteClock Clock) Start()
    {
        var time = new FakeTimeProvider();
        var watchdog = new RouteWatchdog(BudgetMs, time, NullLogger.Instance);
        var clock = watchdog.Register();
        watchdog.Start();
        return (watchdog, time, clock);
    }
}
