using System.Collections.Concurrent;
using System.Text;
using ScriptedSip.Core.Messages;
using ScriptedSip.Core.Parsing;
using ScriptedSip.Core.Routing;
using ScriptedSip.Core.Scheduling;
using ScriptedSip.Core.Transport;
using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Core.Processing;

/// <summary>
/// The globals of one message run: a thin script facade. The message and what has been decided
/// about it live in <see cref="InboundMessage"/>; replies, forwarding, loose routing, reply relay
/// and the transaction layer are services over it. Strings are made only when a script asks.
/// </summary>
public sealed partial class MessageContext : RouteGlobals, ISipLogContext, IRouteControl
{
    private readonly ProcessingServices _services;
    private readonly InboundMessage _m;
    private string? _mb;
    private string? _si;
    private string? _ri;
    private Dictionary<string, object?>? _var;

    public MessageContext(ProcessingServices services, InboundMessage message)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(message);
        _services = services;
        _m = message;
    }

    public MessageContext(ProcessingServices services, InboundDatagram datagram, MessageBuffers buffers, IRouteSet routes, RouteKind kind, RouteOrigin origin = RouteOrigin.Received)
        : this(services, new InboundMessage(datagram, buffers, routes, kind, origin))
    {
    }

    /// <summary>
    /// This facade and its message for the next message of the same worker, after a route that
    /// finished without waiting (see <see cref="InboundMessage.Reset"/>).
    /// </summary>
    internal MessageContext Reuse(InboundDatagram datagram, MessageBuffers buffers, IRouteSet routes, RouteKind kind)
    {
        _m.Reset(datagram, buffers, routes, kind);
        return this;
    }

    /// <summary>The run is over: drop what it referenced (its script version, its variables — whose values may be the script's own types) until <see cref="Reuse"/>.</summary>
    internal MessageContext Forget()
    {
        _m.Forget();
        _mb = null;
        _si = null;
        _ri = null;
        _var = null; // a new dictionary next time: a script may still hold this one
        return this;
    }

    /// <summary>The message this run works on (shared with the services and the transaction layer).</summary>
    public InboundMessage Inbound => _m;

    public RouteOrigin Origin => _m.Origin;

    public RouteKind Kind => _m.Kind;

    public IRouteSet Routes => _m.Routes;

    public InboundDatagram Datagram => _m.Datagram;

    public MessageBuffers Buffers => _m.Buffers;

    public bool Replied => _m.Replied;

    public bool Forwarded => _m.Forwarded;

    public bool Dropped => _m.Dropped;

    public bool ExitRequested => _m.ExitRequested;

    private SipMessage Msg => _m.Message;

    private bool IsSip => _m.IsSip;

    private bool IsRequestLike => _m.IsRequestLike;

    public string LogTag => _m.LogTag;

    string? ISipLogContext.LogCallId => IsSip ? Ci : null;

    string? ISipLogContext.LogMethodOrStatus => !IsSip ? null
        : Msg.IsRequest ? Rm : Msg.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture);

    string ISipLogContext.LogSource => Si.Contains(':', StringComparison.Ordinal) ? $"[{Si}]:{Sp}" : $"{Si}:{Sp}";

    // ---- message ---------------------------------------------------------------------------

    public override string Mb => _mb ??= Encoding.UTF8.GetString(_m.Datagram.Data.Span);

    public override ReadOnlyMemory<byte> MbBytes => _m.Datagram.Data;

    public override string Si => _si ??= SocketAddressText.Ip(_m.Source);

    public override int Sp => SocketAddressText.Port(_m.Source);

    public override string Proto => SipProtocolText.UriToken(_m.Transport.Protocol);

    public override int Rp => _m.Transport.Local.EndPoint.Port;

    public override string Ri => _ri ??= _m.Transport.Local.EndPoint.Address.ToString();

    public override string? Rm => !IsSip ? null
        : Msg.IsRequest ? Text(Msg.MethodToken) : Text(Msg.CSeqMethod);

    public override string? Ru
    {
        get => _m.RequestUri;
        set
        {
            if (!IsRequestLike)
            {
                NotHere("Ru");
                return;
            }

            if (string.IsNullOrWhiteSpace(value))
            {
                Misuse("Ru", "the new Request-URI is empty");
                return;
            }

            _m.SetRequestUri(value.Trim());
        }
    }

    public override int Rs => Kind == RouteKind.Failure ? Transaction?.BestStatus ?? 0 : IsSip && !Msg.IsRequest ? Msg.StatusCode : 0;

    public override string? Rr => Kind == RouteKind.Failure ? Transaction?.BestReason : IsSip && !Msg.IsRequest ? Text(Msg.Reason) : null;

    public override string? Ci => _m.CallId;

    public override string? Fu => _m.FromUri;

    public override string? Tu => _m.ToUri;

    public override string? Hdr(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!IsSip)
        {
            return null;
        }

        var index = Msg.FindHeader(name.AsSpan());
        return index < 0 ? null : Msg.GetString(Msg.Header(index).Value);
    }

    public override IReadOnlyList<string> HdrAll(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!IsSip)
        {
            return [];
        }

        var values = new List<string>();
        for (var i = Msg.FindHeader(name.AsSpan()); i >= 0; i = Msg.FindHeader(name.AsSpan(), i + 1))
        {
            values.Add(Msg.GetString(Msg.Header(i).Value));
        }

        return values;
    }

    public override bool AppendHf(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!IsSip || text.Contains('\n', StringComparison.Ordinal) && text.TrimEnd('\r', '\n').Contains('\n', StringComparison.Ordinal))
        {
            return false;
        }

        var line = text.TrimEnd('\r', '\n') + "\r\n";
        if (line.IndexOf(':', StringComparison.Ordinal) <= 0)
        {
            return false;
        }

        _m.Editor().AppendHeader(Encoding.UTF8.GetBytes(line));
        return true;
    }

    public override int RemoveHf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!IsSip)
        {
            return 0;
        }

        var removed = 0;
        for (var i = Msg.FindHeader(name.AsSpan()); i >= 0; i = Msg.FindHeader(name.AsSpan(), i + 1))
        {
            _m.Editor().RemoveHeader(i);
            removed++;
        }

        return removed;
    }

    public override bool HasToTag() => IsSip && !Msg.To.Tag.IsEmpty;

    public override bool IsMethod(string methods)
    {
        ArgumentNullException.ThrowIfNull(methods);
        if (!IsSip)
        {
            return false;
        }

        var method = Msg.Span(Msg.IsRequest ? Msg.MethodToken : Msg.CSeqMethod);
        foreach (var range in methods.AsSpan().Split('|'))
        {
            var candidate = methods.AsSpan()[range].Trim();
            if (candidate.Length == method.Length && Ascii.EqualsIgnoreCase(method, candidate))
            {
                return true;
            }
        }

        return false;
    }

    // ---- state -----------------------------------------------------------------------------

    public override IDictionary<string, object?> Var => _var ??= new Dictionary<string, object?>(StringComparer.Ordinal);

    public override ConcurrentDictionary<string, object?> Shv => _services.SharedVariables.Values;

    // ---- flow ------------------------------------------------------------------------------

    public override object? Route(string name)
    {
        var task = RouteAsync(name);
        if (!task.IsCompleted)
        {
            throw new InvalidOperationException($"Route(\"{name}\") awaited something; call it as 'await RouteAsync(\"{name}\")'.");
        }

        return task.GetAwaiter().GetResult(); // RouteAsync already turned a nested Exit() into an unwind
    }

    public override Task<object?> RouteAsync(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var entry = _m.Routes.Find(name) ?? throw new InvalidOperationException($"Route(\"{name}\"): no route of that name is loaded (no {RouteNames.Normalize(name)}.csx).");
        return ExitAware(entry(this));
    }

    /// <summary>A nested route that exited makes its caller unwind too. No state machine when it completed at once.</summary>
    private Task<object?> ExitAware(Task<object?> route)
    {
        if (route.IsCompletedSuccessfully)
        {
            return ExitRequested ? Task.FromException<object?>(new RouteExitException()) : route;
        }

        return route.IsCompleted ? route : ExitAwareLater(route);
    }

    private async Task<object?> ExitAwareLater(Task<object?> route)
    {
        var result = await route.ConfigureAwait(false);
        return ExitRequested ? throw new RouteExitException() : result;
    }

    public override void Drop()
    {
        _m.MarkDropped();
        throw new RouteExitException();
    }

    public override void Exit() => throw new RouteExitException();

    public override IRouteControl ScriptControl => this;

    void IRouteControl.MarkExit() => _m.MarkExit();

    void IRouteControl.MarkDrop()
    {
        _m.MarkDropped();
        _m.MarkExit();
    }

    public override void Xlog(ScriptLogLevel level, string text)
    {
        var logLevel = level switch
        {
            ScriptLogLevel.Debug => Microsoft.Extensions.Logging.LogLevel.Debug,
            ScriptLogLevel.Info or ScriptLogLevel.Notice => Microsoft.Extensions.Logging.LogLevel.Information,
            ScriptLogLevel.Warn => Microsoft.Extensions.Logging.LogLevel.Warning,
            ScriptLogLevel.Err => Microsoft.Extensions.Logging.LogLevel.Error,
            _ => Microsoft.Extensions.Logging.LogLevel.Critical,
        };
        if (_services.ScriptLogger.IsEnabled(logLevel))
        {
            ProcessingLog.ScriptLine(_services.ScriptLogger, logLevel, LogTag, text);
        }
    }

    // The exports of the plugins this route version was compiled against: a swap of plugins and
    // scripts is atomic from the script's point of view.
    public override T Plugin<T>() => _m.Routes.Exports.Get<T>();

    // ---- stateless actions -----------------------------------------------------------------

    public override bool SlSendReply(int code, string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        if (Kind is not (RouteKind.Request or RouteKind.Failure))
        {
            ProcessingLog.ActionNotHere(_services.MessageLogger, nameof(SlSendReply), LogTag, Kind.ToString());
            return false;
        }

        if (code is < 100 or > 699)
        {
            return Misuse(nameof(SlSendReply), $"{code} is not a SIP status code (100..699)");
        }

        if (Transaction is not null)
        {
            // Once a transaction exists, replies go through it (and are re-sent on retransmissions):
            // a stateless reply would leave the transaction without its final reply.
            return _services.Transactions.Reply(_m, code, reason);
        }

        if (code is < 100 or > 699)
        {
            return Misuse(nameof(SlSendReply), $"{code} is not a SIP status code (100..699)");
        }

        return _services.Messages.Replier.Reply(_m, code, reason, _m.ReplyHeaders);
    }

    public override bool Forward() => Forward(null!);

    public override bool Forward(string uri)
    {
        if (!IsRequestLike)
        {
            ProcessingLog.ActionNotHere(_services.MessageLogger, nameof(Forward), LogTag, Kind.ToString());
            return false;
        }

        return _services.Messages.Forwarder.ForwardStateless(_m, uri);
    }

    public override void RecordRoute()
    {
        if (!IsRequestLike)
        {
            NotHere(nameof(RecordRoute));
            return;
        }

        _m.RecordRouteRequested = true;
    }

    public override bool MaxFwdProcess(int limit) => IsRequestLike ? RequestForwarder.ProcessMaxForwards(_m, limit) : NotHere(nameof(MaxFwdProcess));

    /// <summary>The error policy for a call in a route kind it has no meaning in: one warning, false, the route goes on.</summary>
    private bool NotHere(string function)
    {
        ProcessingLog.ActionNotHere(_services.MessageLogger, function, LogTag, Kind.ToString());
        return false;
    }

    /// <summary>The error policy for arguments or state known only at run time: one warning, false, the route goes on.</summary>
    private bool Misuse(string function, string reason)
    {
        ProcessingLog.Misuse(_services.MessageLogger, LogTag, function, reason);
        return false;
    }

    /// <summary>Sends a stateless reply to the current request (also used for 400 by the core).</summary>
    internal bool SendReply(int code, string reason, ReadOnlySpan<byte> extraHeaders) =>
        _services.Messages.Replier.Reply(_m, code, reason, extraHeaders);

    private string? Text(Segment segment) => segment.IsEmpty ? null : Msg.GetString(segment);
}
