// Bench scenarios G and H: the shipped request_route.csx (registrar and proxy with digest
// authentication, Kamailio's default configuration) with the Auth and Registrar plugins.
// G sends REGISTERs (401, then 200 with credentials: AuthCheck + Save); H calls between
// registered users (INVITE 407, then with credentials: AuthCheck + ConsumeCredentials, Lookup,
// Record-Route, relay; ACK and BYE are in-dialog and loose-routed without a challenge).
// Kept as a copy so the bench measures a fixed route; bench/kamailio/kamailio.cfg (SCEN_G,
// SCEN_H) does the same steps.
using ScriptedSip.Plugins.Auth;
using ScriptedSip.Plugins.Registrar;

// request_route.csx — runs for every SIP request (Kamailio's request_route).
//
// The equivalent of Kamailio's default kamailio.cfg: a registrar and proxy for the domains of
// Sip:Domains (and our own addresses). Phones REGISTER with digest authentication; calls to our
// users go to their registered contacts (all of them at once, or by q-value); requests from our
// users to other domains are relayed only once authenticated. With Plugins:Auth:Enabled false
// nothing asks for credentials: use that only on a trusted network.
// Retransmissions, CANCEL and the ACK of a negative reply for known transactions never reach
// this script: the transaction layer handles them.

var auth = Plugin<Auth>();
var registrar = Plugin<Registrar>();

// Max-Forwards: decrement it (add 10 if missing); at zero the request has looped too long.
if (!MaxFwdProcess(10))
{
    SlSendReply(483, "Too Many Hops");
    return;
}

// Sanity: the parser already answered 400 to broken messages; a request without a From or To URI
// cannot be authenticated or routed.
if (Fu is null || Tu is null)
{
    SlSendReply(400, "Bad From or To");
    return;
}

// OPTIONS addressed to this server: answer it (monitoring systems and NAT pings use it).
if (IsMethod("OPTIONS") && IsMyself(Ru) && !Ru!.Contains('@', StringComparison.Ordinal))
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
var routed = LooseRoute();

// Registrations for our domains: authenticate, then store the bindings (the reply is sent there).
if (IsMethod("REGISTER") && IsMyself(Ru))
{
    if (auth.Enabled && await auth.AuthCheck(Message, "") != AuthResult.Ok)
    {
        return;   // challenged (401), or refused (400/403)
    }

    registrar.Save(Message);
    return;
}

// Authentication (Kamailio's route[AUTH]): our users prove who they are before we relay for them;
// requests from other domains may only reach our users — never an open relay.
if (auth.Enabled)
{
    if (IsMyself(Fu))
    {
        if (await auth.AuthCheck(Message, "") != AuthResult.Ok)
        {
            return;   // challenged (407), or refused (400/403)
        }

        auth.ConsumeCredentials(Message);
    }
    else if (!IsMyself(Ru) && !routed)
    {
        SlSendReply(403, "Not relaying");
        return;
    }
}

// New dialog or stand-alone request: stay in the path.
if (IsMethod("INVITE|SUBSCRIBE|REFER"))
{
    RecordRoute();
}

// Requests for our users: to their registered contacts (the location service).
if (IsMyself(Ru) && !routed)
{
    var found = registrar.Lookup(Message);
    if (found != LookupResult.Found)
    {
        SlSendReply(404, "Not Found");
        return;
    }

    TOnFailure("MANAGE_FAILURE");   // next q-value group, or 480 when no contact answered
}

if (!TRelay())
{
    SlSendReply(500, "Relay Failed");
}
