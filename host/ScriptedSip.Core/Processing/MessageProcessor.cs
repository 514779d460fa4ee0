using Microsoft.Extensions.Logging;
using ScriptedSip.Core.NoSip;
using ScriptedSip.Core.Parsing;
using ScriptedSip.Core.Routing;
using ScriptedSip.Core.Stats;
using ScriptedSip.Core.Transport;
using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Core.Processing;

/// <summary>
/// The message path of one worker: parse, classify (request, reply, non-SIP, broken), run the
/// route script, apply the end-of-route rules. A route that completes synchronously — the common
/// case — costs no thread switch; one that awaits takes its buffers along and the worker goes on.
/// </summary>
public sealed class MessageProcessor : IDatagramHandler
{
    private readonly ProcessingServices _services;
    private readonly RouteClock _clock;
    private MessageBuffers _buffers = MessageBuffers.Rent();

    public MessageProcessor(ProcessingServices services, UdpListener listener)
    {
        ArgumentNullException.ThrowIfNull(services);
        _services = services;
        _ = listener;
        _clock = services.Watchdog.Register();
    }

    public void Handle(InboundDatagram datagram)
    {
        ArgumentNullException.ThrowIfNull(datagram);
        var message = _buffers.Message;
        var status = message.Parse(datagram.Data);
        switch (status)
        {
            case SipParseStatus.Ok when message.IsRequest:
                _services.Counters.Increment(SipCounter.Requests);
                Run(datagram, RouteKind.Request, RouteNames.Request);
                break;
            case SipParseStatus.Ok:
                _services.Counters.Increment(SipCounter.Replies);
                Run(datagram, RouteKind.Reply, RouteNames.Reply);
                break;
            case SipParseStatus.NotSip:
                HandleNoSip(datagram);
                break;
            default:
                HandleBroken(datagram);
                break;
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
    /// could be read is answered 400 with the reason; anything else cannot be answered and is dropped.
    /// Either way one line at Logging:SipParseErrorLevel.
    /// </summary>
    private void HandleBroken(InboundDatagram datagram)
    {
        var message = _buffers.Message;
        var answerable = message.IsRequest && message.Method != SipMethod.Ack && !message.TopVia.Host.IsEmpty
            && !message.CallId.IsEmpty && !message.From.Uri.IsEmpty && !message.To.Uri.IsEmpty && message.CSeqNumber > 0;
        var error = message.Error ?? "Bad Request";
        var logger = _services.MessageLogger;
        var level = _services.Options.SipParseErrorLevel;
        if (answerable)
        {
            var context = new MessageContext(_services, datagram, _buffers, _services.Routes.Current, RouteKind.Request);
            context.SendReply(400, error, default);
            _services.Counters.Increment(SipCounter.ParseErrorsAnswered);
            if (logger.IsEnabled(level))
            {
                ProcessingLog.ParseError(logger, level, context.LogTag, UdpListener.Describe(datagram.Source), error, "; answered 400");
            }
        }
        else
        {
            _services.Counters.Increment(SipCounter.ParseErrorsDropped);
            if (logger.IsEnabled(level))
            {
                var tag = message.CallId.IsEmpty ? "no-call-id" : message.GetString(message.CallId);
                ProcessingLog.ParseError(logger, level, tag, UdpListener.Describe(datagram.Source), error, "; dropped");
            }
        }

        datagram.Release();
    }

    private void Run(InboundDatagram datagram, RouteKind kind, string routeName)
    {
        var routes = _services.Routes.Current; // one version for the whole message
        var entry = kind switch
        {
            RouteKind.Request => routes.RequestRoute,
            RouteKind.Reply => routes.ReplyRoute,
            _ => routes.Find(routeName),
        };

        var context = new MessageContext(_services, datagram, _buffers, routes, kind);
        if (entry is null)
        {
            if (kind == RouteKind.Event)
            {
                _services.Counters.Increment(SipCounter.NoSipNoRoute);
            }
            else if (kind == RouteKind.Reply)
            {
                context.RelayReply();
            }

            datagram.Release();
            return;
        }

        Task<object?> task;
        _clock.Begin(routeName, context);
        try
        {
            task = entry(context);
        }
#pragma warning disable CA1031 // a script's failure is reported, never allowed to stop the worker
        catch (Exception ex)
#pragma warning restore CA1031
        {
            task = Task.FromException<object?>(ex);
        }
        finally
        {
            _clock.End();
        }

        if (task.IsCompleted)
        {
            Complete(context, routeName, task);
            datagram.Release();
            return;
        }

        // The route awaits: it keeps this worker's buffers; the worker continues with fresh ones.
        _buffers = MessageBuffers.Rent();
        _ = CompleteLaterAsync(context, routeName, task);
    }

    private async Task CompleteLaterAsync(MessageContext context, string routeName, Task<object?> task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // observed in Complete below
        catch (Exception)
#pragma warning restore CA1031
        {
        }

        try
        {
            Complete(context, routeName, task);
        }
        finally
        {
            context.Datagram.Release();
            MessageBuffers.Return(context.Buffers);
        }
    }

    /// <summary>End-of-route rules: errors are logged with the script line and answered 500; replies are relayed unless dropped.</summary>
    private void Complete(MessageContext context, string routeName, Task<object?> task)
    {
        var failed = task.IsFaulted ? task.Exception!.InnerException ?? task.Exception : null;
        if (failed is RouteExitException)
        {
            failed = null;
        }

        if (failed is not null)
        {
            _services.Counters.Increment(context.Kind == RouteKind.Event ? SipCounter.NoSipRouteErrors : SipCounter.ScriptErrors);
            var location = ScriptErrorFormatter.Location(failed);
            ProcessingLog.ScriptError(_services.ScriptLogger, context.LogTag, routeName, location, failed.Message, failed);
            if (context.Kind == RouteKind.Request && !context.Replied && !context.Forwarded)
            {
                context.SendReply(500, "Server Internal Error", default);
            }

            return;
        }

        switch (context.Kind)
        {
            case RouteKind.Event:
                _services.Counters.Increment(SipCounter.NoSipRouted);
                break;
            case RouteKind.Reply when !context.Dropped:
                context.RelayReply();
                break;
        }
    }
}
