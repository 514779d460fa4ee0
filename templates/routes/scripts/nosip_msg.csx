#load ".editor/globals.csx"   // completion in editors; the server ignores it

// nosip_msg.csx — runs for every datagram that is not SIP (Kamailio's event_route[nosip:msg]).
//
// The resume protocol: an outside system that was handed a suspended transaction's id
// (TIndex / TLabel) decides what to do and sends, over UDP from a trusted address:
//     :KREQUEST-RESUME-TRANSACTION:<tindex>:<tlabel>:<route>:
// e.g. :KREQUEST-RESUME-TRANSACTION:4242:8686:RESUME:
// Nothing is ever sent back for a non-SIP packet, whatever this route does.

Xlog($"non-sip packet received - content [{Mb}] from [{Si}:{Sp}]");

// Only a trusted sender may resume transactions.
if (Si != "127.0.0.1")
{
    return;
}

var resume = Regex.Match(Mb, @":KREQUEST-RESUME-TRANSACTION:([0-9]+):([0-9]+):([a-zA-Z0-9]+):$");
if (!resume.Success)
{
    Xlog(ScriptLogLevel.Warn, "not a resume message; ignored");
    return;
}

// TContinue parses the ids itself: out-of-range or unknown ids just return false.
var tindex = resume.Groups[1].Value;
var tlabel = resume.Groups[2].Value;
var route = resume.Groups[3].Value;
if (!TContinue(tindex, tlabel, route))
{
    Xlog(ScriptLogLevel.Warn, $"resume of {tindex}:{tlabel} in route {route} failed");
}
