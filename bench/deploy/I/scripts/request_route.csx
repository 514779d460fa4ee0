// Bench scenario I: examples/load-balancer's request route without flood protection (Pike):
// new INVITEs are spread over the three UASes of set 1 by a hash of the Call-ID (algorithm 0),
// record-routed and relayed with a failure route armed; ACK and BYE follow the recorded route.
// The Dispatcher probes every destination with OPTIONS (hostsettings.json). Kept as a copy so the
// bench measures a fixed route; bench/kamailio/kamailio.cfg (SCEN_I) does the same steps.
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
