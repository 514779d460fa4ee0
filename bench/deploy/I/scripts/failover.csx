// Bench scenario I: the failure route armed by request_route.csx (a copy of examples/load-balancer/scripts/failover.csx).
// No reply in time (408) or a server error (5xx): mark that destination inactive (probing brings it
// back) and try the next candidate of the set. Any other answer (4xx, 6xx) goes back to the caller.

if (Rs == 408 || Rs is >= 500 and < 600)
{
    var dispatcher = Plugin<ScriptedSip.Plugins.Dispatcher.Dispatcher>();
    dispatcher.Mark(Message, "inactive");
    if (dispatcher.Next(Message))
    {
        RecordRoute();   // a new branch is written from the request as received: record-route it again
        TOnFailure("failover");
        TRelay();
    }
}
