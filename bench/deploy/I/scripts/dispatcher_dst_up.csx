// Raised by the Dispatcher plugin when a destination is active again; Mb = its URI.
Xlog($"destination {Mb} is up");
