// Bench scenario C: new INVITEs wait 1 s in an async route, then route RELAY relays them.
if (HasToTag())
{
    // in-dialog requests (ACK for the 2xx, BYE) follow the recorded route
    if (LooseRoute())
    {
        TRelay();
    }
    else if (IsMethod("ACK"))
    {
        if (TCheckTrans())
        {
            TRelay();
        }
    }
    else
    {
        SlSendReply(404, "Not here");
    }
}
else if (IsMethod("CANCEL"))
{
    if (TCheckTrans())
    {
        TRelay();
    }
}
else if (!IsMethod("ACK") && TCheckTrans())
{
    // retransmission of a request that already has a transaction: absorbed
}
else if (!IsMethod("INVITE"))
{
    SlSendReply(405, "Method Not Allowed");
}
else
{
    if (!AsyncRoute("RELAY", 1))
    {
        SlSendReply(500, "Async failed");
    }
}
Exit();
