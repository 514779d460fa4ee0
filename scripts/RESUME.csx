// RESUME.csx — a named route: runs on a suspended transaction resumed by nosip_msg.csx.
// The outside system said "go on": relay the request statefully to its Request-URI.

if (!TRelay())
{
    TReply(500, "Relay Failed");
}
