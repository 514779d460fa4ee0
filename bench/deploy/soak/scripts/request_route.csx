// Soak deployment (bench/soak.sh): every kind of work at once. REGISTER with digest auth
// (registrar journal on disk); INVITE to user "async" waits 1 s in AsyncRoute; to user "suspend"
// is suspended and resumed by a UDP datagram from bench/tools/resumer.py; any other INVITE is
// relayed to the UAS at once. Record-routed; ACK and BYE follow the route.
using System.Net;
using System.Net.Sockets;
using ScriptedSip.Plugins.Auth;
using ScriptedSip.Plugins.Registrar;

if (HasToTag())
{
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

    return;
}

if (IsMethod("CANCEL"))
{
    if (TCheckTrans())
    {
        TRelay();
    }

    return;
}

if (!IsMethod("ACK") && TCheckTrans())
{
    return; // a retransmission: absorbed
}

if (IsMethod("REGISTER"))
{
    if (await Plugin<Auth>().AuthCheck(Message, "") != AuthResult.Ok)
    {
        return; // challenged (401)
    }

    Plugin<Registrar>().Save(Message);
    return;
}

if (!IsMethod("INVITE"))
{
    SlSendReply(405, "Method Not Allowed");
    return;
}

var user = Ru is { } uri && uri.StartsWith("sip:", StringComparison.Ordinal) && uri.IndexOf('@') is var at and > 4 ? uri[4..at] : "";
if (user == "async")
{
    if (!AsyncRoute("RELAY", 1))
    {
        SlSendReply(500, "Async failed");
    }
}
else if (user == "suspend")
{
    if (TSuspend())
    {
        Soak.Notify(TIndex, TLabel);
    }
    else
    {
        SlSendReply(500, "Suspend failed");
    }
}
else
{
    RecordRoute();
    if (!TRelay(Soak.Uas))
    {
        SlSendReply(500, "Relay failed");
    }
}

static class Soak
{
    public static readonly string Uas = System.Environment.GetEnvironmentVariable("BENCH_UAS_URI") ?? "sip:127.0.0.1:5080";
    static readonly Socket Sock = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    static readonly IPEndPoint Resumer = new(IPAddress.Loopback, int.Parse(System.Environment.GetEnvironmentVariable("BENCH_RESUMER_PORT") ?? "5090"));

    public static void Notify(uint index, uint label) => Sock.SendTo(System.Text.Encoding.ASCII.GetBytes($"{index}:{label}"), Resumer);
}
