#load ".editor/globals.csx"   // completion in editors; the server ignores it

// examples/load-balancer/scripts/request_route.csx — a SIP load balancer (Kamailio's dispatcher
// example): new INVITEs and OPTIONS for the service are spread over destination set 1 by a hash of
// the Call-ID; a destination that times out or answers 5xx is marked inactive and the call goes on
// to the next one (failover.csx); health probes bring it back. Record-Route keeps the balancer in
// the dialog so that ACK and BYE follow the same path. Flood protection (Pike) runs before this
// route: a source over its limit never gets here.

var dispatcher = Plugin<ScriptedSip.Plugins.Dispatcher.Dispatcher>();

if (!MaxFwdProcess(10))
{
    SlSendReply(483, "Too Many Hops");
    return;
}

// In-dialog requests (ACK, BYE, re-INVITE) follow the route set we recorded.
if (HasToTag())
{
    if (LooseRoute() || !IsMyself(Ru))
    {
        TRelay();
        return;
    }

    if (!IsMethod("ACK"))
    {
        SlSendReply(404, "Not Here");
    }

    return;
}

// A CANCEL for an INVITE we know never reaches this route (the transaction layer answers it).
if (IsMethod("CANCEL"))
{
    SlSendReply(481, "Call/Transaction Does Not Exist");
    return;
}

LooseRoute();

// A keep-alive for the balancer itself (no user part: sip:127.0.0.1:5060) is answered here.
if (IsMethod("OPTIONS") && IsMyself(Ru) && Ru is { } target && !target.Contains('@', StringComparison.Ordinal))
{
    SlSendReply(200, "OK");
    return;
}

if (!IsMethod("INVITE|OPTIONS"))
{
    SlSendReply(405, "Method Not Allowed");
    return;
}

// Algorithm 0: hash over the Call-ID. Du becomes the destination; the Request-URI stays.
if (!dispatcher.Select(Message, 1, 0))
{
    SlSendReply(503, "No Destination Available");
    return;
}

if (IsMethod("INVITE"))
{
    RecordRoute();
}

TOnFailure("failover");
if (!TRelay())
{
    SlSendReply(500, "Relay Failed");
}
