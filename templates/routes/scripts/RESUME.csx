#load ".editor/globals.csx"   // completion in editors; the server ignores it

// RESUME.csx — a named route: runs on a suspended transaction resumed by nosip_msg.csx.
// The outside system said "go on": relay the request statefully to its Request-URI.
// (A resumed route starts from the request as it was received: edits made before TSuspend,
// such as RecordRoute(), are made again here.)

if (IsMethod("INVITE"))
{
    RecordRoute();
}

if (!TRelay())
{
    TReply(500, "Relay Failed");
}
