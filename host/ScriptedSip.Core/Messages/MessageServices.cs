using Microsoft.Extensions.Logging;
using ScriptedSip.Core.Stats;
using ScriptedSip.Core.Transport;

namespace ScriptedSip.Core.Messages;

/// <summary>The stateless message services every worker shares; each is thread-safe and keeps no per-message state.</summary>
public sealed class MessageServices
{
    public MessageServices(TransportSet transports, DestinationResolver destinations, uint tagSecret, SipCounters counters, ILogger logger)
    {
        Transports = transports;
        Destinations = destinations;
        Replier = new StatelessReplier(tagSecret, counters);
        Forwarder = new RequestForwarder(transports, destinations, Replier, counters, logger);
        ReplyRelay = new ReplyRelay(transports, destinations, counters, logger);
    }

    public TransportSet Transports { get; }

    public DestinationResolver Destinations { get; }

    public StatelessReplier Replier { get; }

    public RequestForwarder Forwarder { get; }

    public ReplyRelay ReplyRelay { get; }
}
