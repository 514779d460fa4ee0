// Soak (and bench scenario C): runs 1 s after AsyncRoute("RELAY", 1) suspended the INVITE.
static class Bench
{
    public static readonly string Uas =
        System.Environment.GetEnvironmentVariable("BENCH_UAS_URI") ?? "sip:127.0.0.1:5080";
}

RecordRoute();
if (!TRelay(Bench.Uas))
{
    TReply(500, "Relay failed");
}
Exit();
