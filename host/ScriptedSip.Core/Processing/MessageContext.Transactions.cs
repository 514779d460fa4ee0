using ScriptedSip.Core.Messages;
using ScriptedSip.Core.Routing;
using ScriptedSip.Core.Transactions;
using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Core.Processing;

/// <summary>Routing, transaction and suspend/resume API of the globals, backed by the services and the <see cref="TransactionLayer"/>.</summary>
public sealed partial class MessageContext
{
    /// <summary>The transaction of this message, once one exists.</summary>
    public SipTransaction? Transaction => _m.Transaction;

    /// <summary>This run created a client branch (TRelay).</summary>
    public bool Relayed => _m.Relayed;

    public bool IsStale => _m.IsStale;

    private TransactionLayer Tm => _services.Transactions;

    /// <summary>A context over a transaction's stored request, for a resumed or failure route.</summary>
    internal static MessageContext ForTransaction(ProcessingServices services, SipTransaction transaction, RouteOrigin origin)
    {
        var buffers = MessageBuffers.Rent();
        var datagram = Transport.InboundDatagram.Rent(transaction.Transport, transaction.Request, transaction.Source);
        buffers.Message.Parse(datagram.Data);
        var kind = origin == RouteOrigin.Failure ? RouteKind.Failure : RouteKind.Request;
        var inbound = new InboundMessage(datagram, buffers, services.Routes.Current, kind, origin);
        inbound.TakeOwnershipOfBuffers();
        inbound.AttachTransaction(transaction);
        return new MessageContext(services, inbound);
    }

    /// <summary>The route went asynchronous: from now on this context owns its buffers and datagram.</summary>
    internal void TakeOwnershipOfBuffers() => _m.TakeOwnershipOfBuffers();

    internal void ReleaseBuffers() => _m.ReleaseBuffers();

    public override bool LooseRoute() => IsRequestLike ? _services.LooseRouter.LooseRoute(_m) : NotHere(nameof(LooseRoute));

    public override bool IsMyself(string? uri) => _services.LooseRouter.IsMyself(uri);

    public override bool TRelay() => IsRequestLike ? Tm.Relay(_m, null) : NotHere(nameof(TRelay));

    public override bool TRelay(string uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!IsRequestLike)
        {
            return NotHere(nameof(TRelay));
        }

        return string.IsNullOrWhiteSpace(uri) ? Misuse(nameof(TRelay), "the destination URI is empty") : Tm.Relay(_m, uri);
    }

    public override bool TReply(int code, string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        if (!IsRequestLike)
        {
            return NotHere(nameof(TReply));
        }

        return code is < 100 or > 699 ? Misuse(nameof(TReply), $"{code} is not a SIP status code (100..699)") : Tm.Reply(_m, code, reason);
    }

    public override bool TCheckTrans() => IsRequestLike && Tm.CheckTransaction(_m);

    public override void TOnReply(string route)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(route);
        if (Transaction is { } t)
        {
            lock (t.Gate)
            {
                t.OnReplyRoute = route;
            }
        }

        _m.PendingOnReplyRoute = route;
    }

    public override void TOnFailure(string route)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(route);
        if (Transaction is { } t)
        {
            lock (t.Gate)
            {
                t.FailureRoute = route;
            }
        }

        _m.PendingFailureRoute = route;
    }

    public override bool TSuspend()
    {
        if (!Tm.Suspend(_m))
        {
            return false;
        }

        ApplyPendingRoutes();
        return true;
    }

    /// <summary>0 (and a warning) before a transaction exists: label 0 never names a transaction, so a TContinue with it fails.</summary>
    public override uint TIndex => Transaction?.Index ?? NoTransaction(nameof(TIndex));

    public override uint TLabel => Transaction?.Label ?? NoTransaction(nameof(TLabel));

    private uint NoTransaction(string function)
    {
        Misuse(function, "this message has no transaction yet (TSuspend or TRelay creates it)");
        return 0;
    }

    public override bool TContinue(uint tindex, uint tlabel, string route)
    {
        ArgumentNullException.ThrowIfNull(route);
        return Tm.Continue(new TransactionId(tindex, tlabel), route);
    }

    public override bool TContinue(string tindex, string tlabel, string route)
    {
        ArgumentNullException.ThrowIfNull(route);
        return Tm.Continue(tindex, tlabel, route);
    }

    public override bool AsyncRoute(string route, int seconds)
    {
        if (!AsyncRouteAndEnd(route, seconds))
        {
            return false;
        }

        // Like Kamailio's async_route: the calling script ends here; the named route continues later.
        // (Top-level calls are compiled to AsyncRouteAndEnd + return, without this exception.)
        throw new RouteExitException();
    }

    bool IRouteControl.AsyncRouteAndEnd(string route, int seconds) => AsyncRouteAndEnd(route, seconds);

    bool IRouteControl.AsyncRouteAndEnd(string route, string seconds) =>
        TryParseSeconds(seconds, out var value) && AsyncRouteAndEnd(route, value);

    private bool AsyncRouteAndEnd(string route, int seconds)
    {
        ArgumentNullException.ThrowIfNull(route);
        if (!Tm.AsyncRoute(_m, route, seconds))
        {
            return false;
        }

        ApplyPendingRoutes();
        _m.MarkExit();
        return true;
    }

    public override bool AsyncRoute(string route, string seconds) =>
        TryParseSeconds(seconds, out var value) && AsyncRoute(route, value);

    private bool TryParseSeconds(string? seconds, out int value)
    {
        if (int.TryParse(seconds?.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out value))
        {
            return true;
        }

        TransactionLogBridge.AsyncFailed(_services, LogTag, $"seconds '{seconds}' is not a number 1..100");
        return false;
    }

    public override Task AsyncSleep(int seconds)
    {
        if (seconds is < TransactionLayer.MinAsyncSeconds or > TransactionLayer.MaxAsyncSeconds)
        {
            Misuse(nameof(AsyncSleep), $"seconds must be {TransactionLayer.MinAsyncSeconds}..{TransactionLayer.MaxAsyncSeconds}, not {seconds}; not sleeping");
            return Task.CompletedTask;
        }

        return Tm.Sleep(_m, seconds);
    }

    private void ApplyPendingRoutes()
    {
        if (Transaction is not { } t)
        {
            return;
        }

        lock (t.Gate)
        {
            t.FailureRoute = _m.PendingFailureRoute ?? t.FailureRoute;
            t.OnReplyRoute = _m.PendingOnReplyRoute ?? t.OnReplyRoute;
        }
    }
}

/// <summary>Lets the context log through the transaction layer's messages.</summary>
internal static partial class TransactionLogBridge
{
    public static void AsyncFailed(ProcessingServices services, string tag, string reason) =>
        Log(services.MessageLogger, tag, reason);

    [Microsoft.Extensions.Logging.LoggerMessage(EventId = 5009, Level = Microsoft.Extensions.Logging.LogLevel.Warning, Message = "[{Tag}] AsyncRoute failed: {Reason}")]
    private static partial void Log(Microsoft.Extensions.Logging.ILogger logger, string tag, string reason);
}
