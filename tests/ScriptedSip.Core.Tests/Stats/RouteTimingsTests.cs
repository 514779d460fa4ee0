using ScriptedSip.Core.Stats;

namespace ScriptedSip.Core.Tests.Stats;

/// <summary>The workers' route-duration tables: Prometheus' bucket rule, counts and sums per route, a bounded label set.</summary>
public sealed class RouteTimingsTests
{
    [Test]
    public void BucketOf_ABoundIsInItsOwnBucket_JustAboveItInTheNext_BeyondTheLastInInf()
    {
        var bounds = RouteTimings.Bounds;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(bounds, Has.Count.EqualTo(11));
            Assert.That(bounds[0], Is.EqualTo(0.00001));
            Assert.That(bounds[1], Is.EqualTo(0.00004).Within(1e-15));
            Assert.That(RouteTimings.BucketOf(0), Is.Zero);
            Assert.That(RouteTimings.BucketOf(bounds[0]), Is.Zero, "le: a value equal to the bound counts in that bucket");
            Assert.That(RouteTimings.BucketOf(Math.BitIncrement(bounds[0])), Is.EqualTo(1));
            Assert.That(RouteTimings.BucketOf(bounds[^1]), Is.EqualTo(bounds.Count - 1));
            Assert.That(RouteTimings.BucketOf(100), Is.EqualTo(bounds.Count), "+Inf");
        }
    }

    [Test]
    public void Recorder_CountsAndSumsEachRouteByBucket()
    {
        var timings = new RouteTimings();
        var recorder = timings.NewRecorder();
        recorder.Add("request_route", 0.000005);
        recorder.Add("request_route", 0.000007);
        recorder.Add("request_route", 0.5);
        recorder.Add("nosip_msg", 20);

        var request = recorder.Cells.Single(c => c.Route == "request_route");
        var nosip = recorder.Cells.Single(c => c.Route == "nosip_msg");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(timings.Recorders, Is.EqualTo(new[] { recorder }));
            Assert.That(request.Read(0).Count, Is.EqualTo(2));
            Assert.That(request.Read(0).Sum, Is.EqualTo(0.000012).Within(1e-15));
            Assert.That(request.Read(RouteTimings.BucketOf(0.5)), Is.EqualTo((1L, 0.5)));
            Assert.That(Enumerable.Range(0, RouteTimings.Bounds.Count + 1).Sum(b => request.Read(b).Count), Is.EqualTo(3));
            Assert.That(nosip.Read(RouteTimings.Bounds.Count), Is.EqualTo((1L, 20.0)), "past the last bound: +Inf");
        }
    }

    [Test]
    public void Recorder_PastMaxRoutes_FurtherNamesAreCountedUnderOther()
    {
        var recorder = new RouteTimings().NewRecorder();
        for (var i = 0; i < RouteTimingRecorder.MaxRoutes + 10; i++)
        {
            recorder.Add("route_" + i, 0.001);
        }

        recorder.Add("route_0", 0.001); // a name kept before the limit stays itself
        using (Assert.EnterMultipleScope())
        {
            Assert.That(recorder.Cells, Has.Count.EqualTo(RouteTimingRecorder.MaxRoutes));
            Assert.That(recorder.Cells.Single(c => c.Route == RouteTimingRecorder.Other).Read(RouteTimings.BucketOf(0.001)).Count, Is.EqualTo(11));
            Assert.That(recorder.Cells.Single(c => c.Route == "route_0").Read(RouteTimings.BucketOf(0.001)).Count, Is.EqualTo(2));
        }
    }
}
