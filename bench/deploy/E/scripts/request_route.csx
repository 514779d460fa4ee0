using System.Net;
using System.Net.Sockets;

// Bench scenario E: new INVITEs are suspended and "<tindex>:<tlabel>" is sent
// over UDP to the resumer (bench/tools/resumer.py), which answers with a
// ":KREQUEST-RESUME-TRANSACTION:<tindex>:<tlabel>:RESUME:" datagram to the SIP
// port; nosip_msg.csx resumes the transaction in RESUME.csx, which relays it.
// one socket for the whole process; the resumer port comes from bench/run.sh
static class Notifier
{
    static readonly Socket Sock = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    static readonly IPEndPoint Resumer = new(IPAddress.Loopback,
        int.Parse(System.Environment.GetEnvironmentVariable("BENCH_RESUMER_PORT") ?? "5090"));

    public static void Send(uint index, uint label)
    {
        Sock.SendTo(System.Text.Encoding.ASCII.GetBytes($"{index}:{label}"), Resumer);
    }
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
    if (TSuspend())
    {
        Notifier.Send(TIndex, TLabel);
    }
    else
    {
        SlSendReply(500, "Suspend failed");
    }
}
Exit();
