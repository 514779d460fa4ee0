// Bench scenario F: every new INVITE is suspended and never resumed; the
// transaction layer's 100 Trying is what the sipp UAC waits for. The long
// fr timer (hostsettings.json) keeps all of them in memory until the host stops.
if (IsMethod("INVITE") && !HasToTag())
{
    if (TCheckTrans())
    {
        // retransmission of a held INVITE: absorbed
    }
    else if (!TSuspend())
    {
        SlSendReply(500, "Suspend failed");
    }
}
else if (!IsMethod("ACK"))
{
    SlSendReply(405, "Method Not Allowed");
}
Exit();
