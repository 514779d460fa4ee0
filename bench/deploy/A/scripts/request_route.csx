// Bench scenario A: every OPTIONS is answered statelessly with 200.
if (IsMethod("OPTIONS"))
{
    SlSendReply(200, "OK");
}
else
{
    SlSendReply(405, "Method Not Allowed");
}
Exit();
