using Microsoft.Extensions.Logging;
using ScriptedSip.Core.Transport;

namespace ScriptedSip.Core.Messages;

/// <summary>The stateless message services every worker shares; each is thread-safe and keeps no per-message state.</summary>
public sealed class MessageServices
{
    public MessageServices(TransportSet transports, DestinationResolver destinations, uint tagSecret, ILogger logger)
    {
        Transports = transports;
        Destinations = destinations;
        Replier = new StatelessReplier(tagSecret);
        Forwarder = new RequestForwarder(transports, destinations, Replier, logger);
        ReplyRelay = new ReplyRelay(transports, destinations, logger);
    }

    public TransportSet Transports { get; }

    public DestinationResolver Destinations { get; }

    public StatelessReplier Replier { get; }

    public RequestForwarder Forwarder { get; }

    public ReplyRelay ReplyRelay { get; }
}
