// Bench scenario D: non-SIP datagrams of at least NoSip:MinPacketSize bytes
// (hostsettings.json) reach this route, which does nothing. Shorter ones (the
// 20-byte D20 variant) must be dropped by the host before any script runs.
Exit();
