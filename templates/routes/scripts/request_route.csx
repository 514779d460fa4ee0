#load ".editor/globals.csx"   // completion in editors; the server ignores it

// request_route.csx — runs for every SIP request (Kamailio's request_route).
//
// A small stateful proxy: sanity checks, OPTIONS to us answered here, in-dialog requests follow
// their recorded route set, new requests are record-routed and relayed to the Request-URI.
// Retransmissions, CANCEL and the ACK of a negative reply for known transactions never reach
// this script: the transaction layer handles them.

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

// A CANCEL whose INVITE we do not know: pass it on statelessly (RFC 3261 §16.10).
if (IsMethod("CANCEL"))
{
    Forward();
    return;
}

// In-dialog requests (To has a tag): follow the Route headers we recorded, or go straight to
// the remote target when the peers did not keep us in the route set.
if (HasToTag())
{
    if (LooseRoute() || !IsMyself(Ru))
    {
        TRelay();   // an ACK goes on statelessly, anything else statefully
        return;
    }

    // An in-dialog request addressed to us (an ACK for a reply we sent ourselves): nothing to relay.
    if (!IsMethod("ACK"))
    {
        SlSendReply(404, "Not Here");
    }

    return;
}

// A UA with an outbound proxy sends its first request with our address preloaded as the top
// Route: take our own entry off (RFC 3261 §16.4); a Route after it becomes the next hop.
LooseRoute();

// Requests for our own address need a registrar / location service, which this proxy does not run.
if (IsMyself(Ru))
{
    SlSendReply(404, "Not Found");
    return;
}

// New dialog or stand-alone request: stay in the path and relay towards the Request-URI.
if (IsMethod("INVITE|SUBSCRIBE|REFER"))
{
    RecordRoute();
}

if (!TRelay())
{
    SlSendReply(500, "Relay Failed");
}
