using ScriptedSip.Plugins.Registrar;

// MANAGE_FAILURE.csx — the failure route of calls to our users (Kamailio's failure_route[MANAGE_FAILURE]):
// every contact tried so far answered negatively or not at all. Runs with the request as received.

// A 6xx is final for the whole call (RFC 3261 §16.7): no more contacts.
if (Rs >= 600)
{
    return;   // the 6xx goes upstream
}

// Serial forking: the next q-value group of the callee's contacts (t_next_contacts).
if (Plugin<Registrar>().NextContacts(Message))
{
    if (IsMethod("INVITE|SUBSCRIBE|REFER"))
    {
        RecordRoute();
    }

    TOnFailure("MANAGE_FAILURE");
    TRelay();
    return;
}

// No contact answered in time: the callee is registered but unreachable.
if (Rs == 408)
{
    SlSendReply(480, "Temporarily Unavailable");
}
