// Bench scenario B: stateful proxy UAC -> server -> UAS with Record-Route.
// UAS address comes from bench/run.sh (BENCH_UAS_URI), default sip:127.0.0.1:5080.
static class Bench
{
    public static readonly string Uas =
        System.Environment.GetEnvironmentVariable("BENCH_UAS_URI") ?? "sip:127.0.0.1:5080";
}

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
    RecordRoute();
    if (!TRelay(Bench.Uas))
    {
        SlSendReply(500, "Relay failed");
    }
}
Exit();
