#load ".editor/globals.csx"   // completion in editors; the server ignores it

// Raised by the Pike plugin once per block; Mb = the blocked address.
Xlog(ScriptLogLevel.Warn, $"flood from {Mb}: blocked");
