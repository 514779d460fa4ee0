using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Unicode;
using ScriptedSip.Core.Parsing;
using ScriptedSip.Core.Routing;
using ScriptedSip.Core.Stats;
using ScriptedSip.Core.Transport;
using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Core.Processing;

/// <summary>
/// The globals of one message run: a lazy view of the parsed message (strings are made only when
/// a script asks) and the stateless actions. One instance per message; it owns the message's
/// buffers while the route runs, also across awaits.
/// </summary>
public sealed partial class MessageContext : RouteGlobals
{
    private readonly ProcessingServices _services;
    private readonly InboundDatagram _datagram;
    private MessageBuffers _buffers;
    private readonly IRouteSet _routes;
    private string? _mb;
    private string? _si;
    private string? _ci;
    private string? _ru;
    private bool _ruChanged;
    private string? _destination;
    private Dictionary<string, object?>? _var;
    private bool _editing;
    private bool _recordRoute;
    private bool _maxForwardsDone;
    private bool _recordRouteWritten;

    public MessageContext(ProcessingServices services, InboundDatagram datagram, MessageBuffers buffers, IRouteSet routes, RouteKind kind, RouteOrigin origin = RouteOrigin.Received)
    {
        _services = services;
        _datagram = datagram;
        _buffers = buffers;
        _routes = routes;
        Kind = kind;
        Origin = origin;
    }

    public RouteOrigin Origin { get; }

    public RouteKind Kind { get; }

    public IRouteSet Routes => _routes;

    public InboundDatagram Datagram => _datagram;

    public MessageBuffers Buffers => _buffers;

    /// <summary>A final or provisional reply was sent for this request.</summary>
    public bool Replied { get; private set; }

    /// <summary>The message was forwarded.</summary>
    public bool Forwarded { get; private set; }

    /// <summary>Drop() was called.</summary>
    public bool Dropped { get; private set; }

    private SipMessage Msg => _buffers.Message;

    private bool IsSip => Kind != RouteKind.Event;

    private bool IsRequestLike => Kind is RouteKind.Request or RouteKind.Failure;

    /// <summary>Call-ID for SIP messages, source ip:port for other packets: every log line carries it.</summary>
    public string LogTag => IsSip ? Ci ?? "no-call-id" : Si + ":" + Sp.ToString(System.Globalization.CultureInfo.InvariantCulture);

    // ---- message ---------------------------------------------------------------------------

    public override string Mb => _mb ??= Encoding.UTF8.GetString(_datagram.Data.Span);

    public override ReadOnlyMemory<byte> MbBytes => _datagram.Data;

    public override string Si => _si ??= SocketAddressText.Ip(_datagram.Source);

    public override int Sp => SocketAddressText.Port(_datagram.Source);

    public override string? Rm => !IsSip ? null
        : Msg.IsRequest ? Text(Msg.MethodToken) : Text(Msg.CSeqMethod);

    public override string? Ru
    {
        get => !IsSip || !Msg.IsRequest ? null : _ru ??= Text(Msg.RequestUri);
        set
        {
            if (!IsRequestLike || string.IsNullOrWhiteSpace(value))
            {
                throw new InvalidOperationException("Ru can only be set to a URI in a request route.");
            }

            _ru = value.Trim();
            _ruChanged = true;
        }
    }

    public override int Rs => Kind == RouteKind.Failure ? Transaction?.BestStatus ?? 0 : IsSip && !Msg.IsRequest ? Msg.StatusCode : 0;

    public override string? Rr => Kind == RouteKind.Failure ? Transaction?.BestReason : IsSip && !Msg.IsRequest ? Text(Msg.Reason) : null;

    public override string? Ci => !IsSip ? null : _ci ??= Text(Msg.CallId);

    public override string? Fu => IsSip ? Text(Msg.From.Uri) : null;

    public override string? Tu => IsSip ? Text(Msg.To.Uri) : null;

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

        Editor().AppendHeader(Encoding.UTF8.GetBytes(line));
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
            Editor().RemoveHeader(i);
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
        var entry = _routes.Find(name) ?? throw new InvalidOperationException($"Route(\"{name}\"): no route of that name is loaded (no {RouteNames.Normalize(name)}.csx).");
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
        Dropped = true;
        throw new RouteExitException();
    }

    public override void Exit() => throw new RouteExitException();

    /// <summary>A top-level Exit() ran (compiled to mark + return): callers of Route() stop too.</summary>
    public bool ExitRequested { get; private set; }

    public override void MarkExit() => ExitRequested = true;

    public override void MarkDrop()
    {
        Dropped = true;
        ExitRequested = true;
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

    public override T Plugin<T>() => _services.PluginExports.Get<T>();

    // ---- stateless actions -----------------------------------------------------------------

    public override bool SlSendReply(int code, string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        if (Kind is not (RouteKind.Request or RouteKind.Failure))
        {
            ProcessingLog.ActionNotHere(_services.MessageLogger, nameof(SlSendReply), LogTag, Kind.ToString());
            return false;
        }

        if (Transaction is not null)
        {
            // Once a transaction exists, replies go through it (and are re-sent on retransmissions).
            return _services.Transactions.Reply(this, code, reason);
        }

        if (code is < 100 or > 699)
        {
            throw new ArgumentOutOfRangeException(nameof(code), code, "A SIP status code is 100..699.");
        }

        return SendReply(code, reason, default);
    }

    public override bool Forward() => Forward(null!);


    public override bool Forward(string uri)
    {
        if (!IsRequestLike)
        {
            ProcessingLog.ActionNotHere(_services.MessageLogger, nameof(Forward), LogTag, Kind.ToString());
            return false;
        }

        return ForwardStateless(uri);
    }

    public override void RecordRoute()
    {
        if (IsRequestLike)
        {
            _recordRoute = true;
        }
    }

    public override bool MaxFwdProcess(int limit)
    {
        if (!IsRequestLike)
        {
            return false;
        }

        _maxForwardsDone = true;
        var current = Msg.MaxForwards;
        if (current < 0)
        {
            Editor().AppendHeader(Encoding.ASCII.GetBytes($"Max-Forwards: {Math.Clamp(limit, 0, 255)}\r\n"));
            return true;
        }

        if (current == 0)
        {
            return false;
        }

        Editor().SetMaxForwards(Math.Min(current - 1, limit));
        return true;
    }

    /// <summary>Sends a stateless reply to the current request (also used for 400/483/500 by the core).</summary>
    internal bool SendReply(int code, string reason, ReadOnlySpan<byte> extraHeaders)
    {
        if (Msg.Method == SipMethod.Ack)
        {
            return false; // ACK is never answered
        }

        Span<byte> ip = stackalloc byte[64];
        var ipLength = SocketAddressText.FormatIp(_datagram.Source, ip);
        Span<byte> tag = stackalloc byte[16];
        StatelessToTag.Write(Msg, _services.TagSecret, tag);
        var length = Messages.SipReplyWriter.WriteReply(Msg, code, reason, tag, ip[..Math.Max(ipLength, 0)], Sp, extraHeaders, _buffers.Output);
        if (length < 0)
        {
            return false;
        }

        var sent = _datagram.Listener.Send(_buffers.Output.AsSpan(0, length), ReplyDestination());
        Replied |= sent;
        return sent;
    }

    /// <summary>RFC 3261 §18.2.2 with RFC 3581: the source IP, and the source port only when rport was asked for.</summary>
    private SocketAddress ReplyDestination()
    {
        var source = _datagram.Source;
        var target = source.Family == AddressFamily.InterNetworkV6 ? _buffers.ReplyAddress6 : _buffers.ReplyAddress4;
        source.Buffer.Span[..source.Size].CopyTo(target.Buffer.Span);
        target.Size = source.Size;
        var via = Msg.TopVia;
        if (!via.HasRport)
        {
            SocketAddressText.SetPort(target, via.Port > 0 ? via.Port : 5060);
        }

        return target;
    }

    /// <summary>Where a relay goes when no URI is given: the next hop from LooseRoute, else the Request-URI.</summary>
    internal string NextHop => _destination ?? Ru!;

    /// <summary>Forwards statelessly (Forward(), and TRelay of an ACK).</summary>
    internal bool ForwardStateless(string? uri)
    {
        var target = uri ?? NextHop;
        if (!_services.Destinations.TryResolve(Encoding.UTF8.GetBytes(target), out var endpoint, out var error))
        {
            ProcessingLog.ForwardFailed(_services.MessageLogger, LogTag, error);
            return false;
        }

        var listener = _services.Listeners.For(endpoint!.AddressFamily, _datagram.Listener);
        if (listener is null)
        {
            ProcessingLog.ForwardFailed(_services.MessageLogger, LogTag, $"no listen address of family {endpoint.AddressFamily}");
            return false;
        }

        Span<byte> branch = stackalloc byte[32];
        if (!Utf8.TryWrite(branch, $"z9hG4bKsl{StatelessBranch.Compute(Msg):x8}", out var branchLength))
        {
            return false;
        }

        var length = WriteForwarded(listener, branch[..branchLength]);
        if (length < 0)
        {
            return false;
        }

        var sent = listener.Send(_buffers.Output.AsSpan(0, length), endpoint.Serialize());
        Forwarded |= sent;
        return sent;
    }

    /// <summary>
    /// Writes the request as it leaves towards the next hop into <see cref="MessageBuffers.Output"/>:
    /// our Via with <paramref name="branch"/>, Record-Route if asked, the new Request-URI, the
    /// script's header edits, Max-Forwards decremented (RFC 3261 §16.6). -1 when it cannot be sent
    /// (Max-Forwards reached 0: 483 was answered; or it does not fit).
    /// </summary>
    internal int WriteForwarded(UdpListener listener, ReadOnlySpan<byte> branch)
    {
        if (!_maxForwardsDone)
        {
            if (Msg.MaxForwards == 0)
            {
                SendReply(483, "Too Many Hops", default);
                return -1;
            }

            MaxFwdProcess(70);
        }

        var editor = Editor();
        Span<byte> line = stackalloc byte[256];
        if (_recordRoute && !_recordRouteWritten && Utf8.TryWrite(line, $"Record-Route: <sip:{listener.Endpoint.HostPort};lr>\r\n", out var rrLength))
        {
            editor.InsertTopHeader(line[..rrLength]);
            _recordRouteWritten = true;
        }

        if (!Utf8.TryWrite(line, $"Via: SIP/2.0/UDP {listener.Endpoint.HostPort};branch=", out var viaLength)
            || !branch.TryCopyTo(line[viaLength..]))
        {
            return -1;
        }

        viaLength += branch.Length;
        "\r\n"u8.CopyTo(line[viaLength..]);
        editor.InsertTopHeader(line[..(viaLength + 2)]);
        if (_ruChanged && _ru is not null)
        {
            editor.SetRequestUri(Encoding.UTF8.GetBytes(_ru));
        }

        var length = editor.WriteTo(_buffers.Output);
        if (length < 0)
        {
            ProcessingLog.ForwardFailed(_services.MessageLogger, LogTag, "the forwarded message does not fit in a datagram");
        }

        return length;
    }

    private Messages.SipMessageEditor Editor()
    {
        if (!_editing)
        {
            _buffers.Editor.Reset(Msg);
            _editing = true;
        }

        return _buffers.Editor;
    }

    private string? Text(Segment segment) => segment.IsEmpty ? null : Msg.GetString(segment);
}
