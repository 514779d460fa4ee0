// Soak (and bench scenario E): the resumed INVITE is relayed to the UAS.
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
