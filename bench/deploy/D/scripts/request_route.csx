// Bench scenario D sends no SIP; any SIP request is refused.
SlSendReply(404, "Not here");
Exit();
