// Raised by the Dispatcher plugin when a destination goes down (Kamailio's event_route[dispatcher:dst-down]); Mb = its URI.
Xlog(ScriptLogLevel.Warn, $"destination {Mb} is down");
