using ScriptedSip.Core.Messages;
using ScriptedSip.Core.NoSip;
using ScriptedSip.Core.Parsing;
using ScriptedSip.Core.Routing;
using ScriptedSip.Core.Scheduling;
using ScriptedSip.Core.Stats;
using ScriptedSip.Core.Transport;
using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Core.Processing;

/// <summary>
/// The message path of one worker: parse, classify (request, reply, non-SIP, broken), let the
/// transaction layer absorb what belongs to an existing transaction, run the route script. A route
/// that completes synchronously — the common case — costs nothing more; one that awaits takes its
/// buffers along and the worker goes on with fresh ones.
/// </summary>
public sealed class MessageProcessor : IDatagramHandler
{
    private readonly ProcessingServices _services;
    private MessageBuffers _buffers = MessageBuffers.Rent();

    // The context of the last route that finished without waiting: nothing holds it, the next run
    // takes it (a message costs no allocation of its own). Null while a run has it.
    private MessageContext? _spare;
    private InboundMessage? _spareReply;

    public MessageProcessor(ProcessingServices services)
    {
        ArgumentNullException.ThrowIfNull(services);
        _services = services;
    }

    public void Handle(InboundDatagram datagram)
    {
        ArgumentNullException.ThrowIfNull(datagram);
        var message = _buffers.Message;
        switch (message.Parse(datagram.Data))
        {
            case SipParseStatus.Ok when message.IsRequest:
                _services.Counters.RequestReceived(message.Method);
                if (!_services.RequestFilters.IsEmpty && _services.RequestFilters.Intercept(message, datagram, _services.Messages, _services.Counters))
                {
                    datagram.Release();
                    return;
                }

                if (_services.Transactions.TryAbsorb(message, datagram)
                    || _services.Overload.TryStop(message, datagram, _services.Messages, _services.Counters))
                {
                    datagram.Release();
                    return;
                }

                Run(datagram, RouteKind.Request, RouteNames.Request);
                break;
            case SipParseStatus.Ok:
                _services.Counters.Increment(SipCounter.Replies);
                HandleReply(datagram);
                break;
            case SipParseStatus.NotSip:
                HandleNoSip(datagram);
                break;
            default:
                HandleBroken(datagram);
                break;
        }
    }

    private void HandleReply(InboundDatagram datagram)
    {
        if (_services.LocalRequests.TryComplete(_buffers.Message))
        {
            datagram.Release(); // the answer to a request of our own (a probe): no route, no relay
            return;
        }

        // Reply routes never wait (RouteRunner.RunSynchronously) and nothing keeps the message after
        // the relay: one instance serves every reply of this worker.
        var reply = _spareReply?.Reset(datagram, _buffers, _services.Routes.Current, RouteKind.Reply) ?? new InboundMessage(datagram, _buffers, _services.Routes.Current, RouteKind.Reply);
        _spareReply = null;
        _services.Transactions.HandleReply(reply);
        datagram.Release();
        if (!reply.LeftRunning)
        {
            reply.Forget();
            _spareReply = reply;
        }
    }

    private void HandleNoSip(InboundDatagram datagram)
    {
        var counters = _services.Counters;
        counters.Increment(SipCounter.NoSipReceived);
        switch (_services.NoSipFilter.Check(datagram.Data.Span))
        {
            case NoSipVerdict.Skip:
                counters.Increment(SipCounter.NoSipSkipped);
                datagram.Release();
                return;
            case NoSipVerdict.NotMatched:
                counters.Increment(SipCounter.NoSipNotMatched);
                datagram.Release();
                return;
        }

        Run(datagram, RouteKind.Event, _services.Options.NoSipRoute);
    }

    /// <summary>
    /// A SIP-looking message that does not parse. A request whose Via, From, To, Call-ID and CSeq
    /// could be read is answered 400 (505 for an unsupported version) with the reason; anything else
    /// cannot be answered and is dropped. Either way one line at Logging:SipParseErrorLevel.
    /// </summary>
    private void HandleBroken(InboundDatagram datagram)
    {
        var message = _buffers.Message;
        var answerable = message.IsRequest && message.Method != SipMethod.Ack && !message.TopVia.Host.IsEmpty
            && !message.CallId.IsEmpty && !message.From.Uri.IsEmpty && !message.To.Uri.IsEmpty && message.CSeqNumber > 0;
        var error = message.Error ?? "Bad Request";
        _services.Counters.Increment(message.IsRequest ? SipCounter.BadRequests : SipCounter.BadReplies);
        var logger = _services.MessageLogger;
        var level = _services.Options.SipParseErrorLevel;
        if (answerable)
        {
            var context = new MessageContext(_services, datagram, _buffers, _services.Routes.Current, RouteKind.Request);
            var code = message.ErrorStatusCode is >= 400 and <= 699 ? message.ErrorStatusCode : 400;
            context.SendReply(code, error, default);
            if (logger.IsEnabled(level))
            {
                using var scope = SipLogScope.Enter(LogSubject.Of(message, datagram.Source)); // the line's JSON context fields
                ProcessingLog.ParseError(logger, level, context.LogTag, SocketAddressText.Describe(datagram.Source), error, $"; answered {code}");
            }

            _services.Counters.Increment(SipCounter.ParseErrorsAnswered); // after the line: the counter says both happened
        }
        else
        {
            if (logger.IsEnabled(level))
            {
                using var scope = SipLogScope.Enter(LogSubject.Of(message, datagram.Source));
                var tag = message.CallId.IsEmpty ? "no-call-id" : message.GetString(message.CallId);
                ProcessingLog.ParseError(logger, level, tag, SocketAddressText.Describe(datagram.Source), error, "; dropped");
            }

            _services.Counters.Increment(SipCounter.ParseErrorsDropped);
        }

        datagram.Release();
    }

    private void Run(InboundDatagram datagram, RouteKind kind, string routeName)
    {
        var routes = _services.Routes.Current; // one version for the whole message
        var entry = kind == RouteKind.Request ? routes.RequestRoute : routes.Find(routeName);
        if (entry is null)
        {
            _services.Counters.Increment(SipCounter.NoSipNoRoute);
            datagram.Release();
            return;
        }

        var context = _spare?.Reuse(datagram, _buffers, routes, kind) ?? new MessageContext(_services, datagram, _buffers, routes, kind);
        _spare = null; // a route that runs a message of its own through this processor (none do today) takes a new one
        if (_services.Runner.Run(context, entry, routeName))
        {
            datagram.Release();
            _spare = context.Forget();
        }
        else
        {
            // The waiting route owns the old buffers and the datagram now.
            _buffers = MessageBuffers.Rent();
        }
    }
}
