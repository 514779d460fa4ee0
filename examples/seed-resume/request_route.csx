#load ".editor/globals.csx"   // completion in editors once copied into scripts/; the server ignores it

// examples/seed-resume/request_route.csx — the seed's use case: park every new INVITE and let an
// outside system decide. Use it together with the shipped nosip_msg.csx and RESUME.csx: copy all
// three into the scripts folder of a deployment.
//
// For each INVITE the outside system gets one UDP datagram "<tindex>:<tlabel>:<Call-ID>" and
// answers (from 127.0.0.1) with ":KREQUEST-RESUME-TRANSACTION:<tindex>:<tlabel>:RESUME:".
// A transaction nobody resumes is answered 408 after Transactions:FrTimerMs.

// Where the outside system listens.
const string DecisionService = "127.0.0.1:5999";

if (!MaxFwdProcess(10))
{
    SlSendReply(483, "Too Many Hops");
    return;
}

// In-dialog requests follow the dialog as in the default proxy.
if (HasToTag())
{
    if (LooseRoute() || !IsMyself(Ru))
    {
        TRelay();
    }

    return;
}

if (IsMethod("INVITE"))
{
    RecordRoute();
    if (!TSuspend())
    {
        SlSendReply(503, "Too Busy");
        return;
    }

    Notifier.Send(DecisionService, $"{TIndex}:{TLabel}:{Ci}");
    return;
}

TRelay();

static class Notifier
{
    private static readonly System.Net.Sockets.UdpClient Socket = new();

    public static void Send(string destination, string text)
    {
        var endpoint = IPEndPoint.Parse(destination);
        var bytes = Encoding.UTF8.GetBytes(text);
        Socket.Send(bytes, bytes.Length, endpoint);
    }
}
