// request_route.csx — runs for every SIP request (Kamailio's request_route).
//
// A small proxy: sanity checks, keep-alive OPTIONS answered here, in-dialog requests follow
// their recorded route set, new requests are record-routed and relayed to the Request-URI.

// Max-Forwards: decrement it (add 10 if missing); at zero the request has looped too long.
if (!MaxFwdProcess(10))
{
    SlSendReply(483, "Too Many Hops");
    return;
}

// OPTIONS addressed to this server: answer it (monitoring systems and NAT pings use it).
if (IsMethod("OPTIONS") && IsMyself(Ru))
{
    SlSendReply(200, "OK");
    return;
}

// In-dialog requests (To has a tag): follow the Route headers we recorded.
if (HasToTag())
{
    if (LooseRoute())
    {
        Forward();
        return;
    }

    // An ACK without a route set belongs to a reply we sent ourselves: nothing to relay.
    if (!IsMethod("ACK"))
    {
        SlSendReply(404, "Not Here");
    }

    return;
}

// Requests for our own address need a registrar / location service, which this proxy does not run.
if (IsMyself(Ru))
{
    SlSendReply(404, "Not Found");
    return;
}

// New dialog or stand-alone request: stay in the path and relay towards the Request-URI.
// Once the transaction layer is available this becomes TRelay() (stateful).
if (IsMethod("INVITE|SUBSCRIBE|REFER"))
{
    RecordRoute();
}

Forward();
