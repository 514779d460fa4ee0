using ScriptedSip.Core.Transactions;
using ScriptedSip.Core.Transport;
using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Core.Processing;

/// <summary>The transaction and suspend/resume API of the globals, backed by the <see cref="TransactionLayer"/>.</summary>
public sealed partial class MessageContext
{
    private int _generation;
    private bool _ownsBuffers;

    /// <summary>The transaction of this message, once one exists.</summary>
    public SipTransaction? Transaction { get; private set; }

    /// <summary>This run created a client branch (TRelay).</summary>
    public bool Relayed { get; private set; }

    /// <summary>TOnFailure called before the transaction existed; applied at TRelay.</summary>
    internal string? PendingFailureRoute { get; private set; }

    internal string? PendingOnReplyRoute { get; private set; }

    /// <summary>
    /// The transaction timed out (or was cancelled) while this route was waiting: what the route
    /// does now is logged and ignored, never sent.
    /// </summary>
    public bool IsStale => Transaction is { } t && t.Generation != _generation;

    private TransactionLayer Tm => _services.Transactions;

    /// <summary>A context over a transaction's stored request, for a resumed or failure route.</summary>
    internal static MessageContext ForTransaction(ProcessingServices services, SipTransaction transaction, RouteOrigin origin)
    {
        var buffers = MessageBuffers.Rent();
        var datagram = transaction.Listener.CreateDatagram(transaction.Request, transaction.Source);
        buffers.Message.Parse(datagram.Data);
        var kind = origin == RouteOrigin.Failure ? RouteKind.Failure : RouteKind.Request;
        var context = new MessageContext(services, datagram, buffers, services.Routes.Current, kind, origin) { _ownsBuffers = true };
        context.AttachTransaction(transaction);
        return context;
    }

    internal void AttachTransaction(SipTransaction transaction)
    {
        Transaction = transaction;
        _generation = transaction.Generation;
    }

    internal void MarkRelayed() => Relayed = true;

    /// <summary>This run suspended the transaction (TSuspend, AsyncRoute): it is no longer this route's to settle.</summary>
    internal bool DidSuspend { get; private set; }

    internal void MarkSuspended() => DidSuspend = true;

    /// <summary>The route went asynchronous: from now on this context owns its buffers and datagram.</summary>
    internal void TakeOwnershipOfBuffers() => _ownsBuffers = true;

    internal void ReleaseBuffers()
    {
        if (_ownsBuffers)
        {
            _ownsBuffers = false;
            _datagram.Release();
            MessageBuffers.Return(_buffers);
        }
    }

    public override bool TRelay() => IsRequestLike && Tm.Relay(this, null);

    public override bool TRelay(string uri)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(uri);
        return IsRequestLike && Tm.Relay(this, uri);
    }

    public override bool TReply(int code, string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        if (code is < 100 or > 699)
        {
            throw new ArgumentOutOfRangeException(nameof(code), code, "A SIP status code is 100..699.");
        }

        return IsRequestLike && Tm.Reply(this, code, reason);
    }

    public override bool TCheckTrans() => IsRequestLike && Tm.CheckTransaction(this);

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

        PendingOnReplyRoute = route;
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

        PendingFailureRoute = route;
    }

    public override bool TSuspend()
    {
        if (!Tm.Suspend(this))
        {
            return false;
        }

        ApplyPendingRoutes();
        return true;
    }

    public override uint TIndex => Transaction?.Index ?? throw new InvalidOperationException("TIndex: this message has no transaction yet (call TSuspend or TRelay first).");

    public override uint TLabel => Transaction?.Label ?? throw new InvalidOperationException("TLabel: this message has no transaction yet (call TSuspend or TRelay first).");

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

    public override bool AsyncRouteAndEnd(string route, int seconds)
    {
        ArgumentNullException.ThrowIfNull(route);
        if (!Tm.AsyncRoute(this, route, seconds))
        {
            return false;
        }

        ApplyPendingRoutes();
        MarkExit();
        return true;
    }

    public override bool AsyncRouteAndEnd(string route, string seconds) =>
        TryParseSeconds(seconds, out var value) && AsyncRouteAndEnd(route, value);

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

    public override Task AsyncSleep(int seconds) => Tm.Sleep(this, seconds);

    private void ApplyPendingRoutes()
    {
        if (Transaction is not { } t)
        {
            return;
        }

        lock (t.Gate)
        {
            t.FailureRoute = PendingFailureRoute ?? t.FailureRoute;
            t.OnReplyRoute = PendingOnReplyRoute ?? t.OnReplyRoute;
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
