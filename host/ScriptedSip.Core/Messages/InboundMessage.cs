using System.Net;
using ScriptedSip.Core.Parsing;
using ScriptedSip.Core.Routing;
using ScriptedSip.Core.Scheduling;
using ScriptedSip.Core.Transactions;
using ScriptedSip.Core.Transport;
using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Core.Messages;

/// <summary>
/// One received message while it is processed (Kamailio's <c>sip_msg</c> plus what tm keeps about
/// it): the bytes and where they came from, the parsed view and pending edits, and what has been
/// decided — new Request-URI, next hop, replied, forwarded, suspended. The script facade, the
/// stateless services and the transaction layer all work on this; none of them on each other.
/// </summary>
public sealed class InboundMessage : ILogTagged
{
    private InboundDatagram? _datagram;
    private MessageBuffers? _buffers;
    private bool _ownsBuffers;
    private bool _editing;
    private string? _callId;
    private string? _requestUri;
    private string? _fromUri;
    private string? _toUri;
    private byte[]? _replyHeaders;
    private int _generation;

    public InboundMessage(InboundDatagram datagram, MessageBuffers buffers, IRouteSet routes, RouteKind kind, RouteOrigin origin = RouteOrigin.Received) =>
        Reset(datagram, buffers, routes, kind, origin);

    /// <summary>
    /// Makes this instance a new message, as the constructor does: every field is set here. The
    /// message path reuses one instance per worker for the messages whose route finished without
    /// waiting (nothing holds it then), so a message costs no allocation of its own.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.MemberNotNull(nameof(Routes))]
    internal InboundMessage Reset(InboundDatagram datagram, MessageBuffers buffers, IRouteSet routes, RouteKind kind, RouteOrigin origin = RouteOrigin.Received)
    {
        ArgumentNullException.ThrowIfNull(datagram);
        ArgumentNullException.ThrowIfNull(buffers);
        Assign(datagram, buffers, routes, kind, origin);
        return this;
    }

    /// <summary>
    /// Drops every reference while the instance waits for the next message: a spare must not keep
    /// the last message's script version (a replaced one could never unload), its transaction or its
    /// bytes alive.
    /// </summary>
    internal void Forget() => Assign(null, null, null!, RouteKind.Event, RouteOrigin.Received);

    [System.Diagnostics.CodeAnalysis.MemberNotNull(nameof(Routes))]
    private void Assign(InboundDatagram? datagram, MessageBuffers? buffers, IRouteSet routes, RouteKind kind, RouteOrigin origin)
    {
        _datagram = datagram;
        _buffers = buffers;
        _ownsBuffers = false;
        _editing = false;
        _callId = null;
        _requestUri = null;
        _fromUri = null;
        _toUri = null;
        _replyHeaders = null;
        _generation = 0;
        _branches = null;
        Routes = routes;
        Kind = kind;
        Origin = origin;
        RequestUriChanged = false;
        Destination = null;
        ForcedProtocol = null;
        RecordRouteRequested = false;
        RecordRouteWritten = false;
        MaxForwardsDone = false;
        Replied = false;
        Forwarded = false;
        Dropped = false;
        ExitRequested = false;
        Relayed = false;
        DidSuspend = false;
        LeftRunning = false;
        Transaction = null;
        PendingFailureRoute = null;
        PendingOnReplyRoute = null;
    }

    /// <summary>The received bytes and their source (rebuilt from the transaction's copy after <see cref="Hibernate"/>).</summary>
    public InboundDatagram Datagram
    {
        get
        {
            if (_datagram is null)
            {
                Rehydrate();
            }

            return _datagram!;
        }
    }

    public MessageBuffers Buffers
    {
        get
        {
            if (_buffers is null)
            {
                Rehydrate();
            }

            return _buffers!;
        }
    }

    public SipMessage Message => Buffers.Message;


    /// <summary>The route set (script version) this message runs under, from start to end.</summary>
    public IRouteSet Routes { get; private set; }

    public RouteKind Kind { get; private set; }

    public RouteOrigin Origin { get; private set; }

    public SocketAddress Source => Datagram.Source;

    /// <summary>The transport the message arrived on.</summary>
    public ISipTransport Transport => Datagram.Transport;

    /// <summary>A SIP message (not a packet for an event route).</summary>
    public bool IsSip => Kind != RouteKind.Event;

    /// <summary>A request being routed (request route, resumed route or failure route).</summary>
    public bool IsRequestLike => Kind is RouteKind.Request or RouteKind.Failure;

    public string? CallId => !IsSip || Message.CallId.IsEmpty ? null : _callId ??= Message.GetString(Message.CallId);

    /// <summary>Call-ID for SIP messages, source ip:port for other packets: every log line carries it.</summary>
    public string LogTag => IsSip
        ? CallId ?? "no-call-id"
        : SocketAddressText.Ip(Source) + ":" + SocketAddressText.Port(Source).ToString(System.Globalization.CultureInfo.InvariantCulture);

    // ---- decisions about the request ---------------------------------------------------------

    /// <summary>The Request-URI as it will leave (the script's new one, or the received one).</summary>
    public string? RequestUri => !IsSip || !Message.IsRequest ? null
        : _requestUri ??= Message.RequestUri.IsEmpty ? null : Message.GetString(Message.RequestUri);

    public bool RequestUriChanged { get; private set; }

    /// <summary>
    /// The From URI as received (made once: a route reads it several times — sanity check,
    /// IsMyself, authentication). Edits of the From header do not change it, as in Kamailio's $fu.
    /// </summary>
    public string? FromUri => !IsSip || Message.From.Uri.IsEmpty ? null : _fromUri ??= Message.GetString(Message.From.Uri);

    /// <summary>The To URI as received (made once, as <see cref="FromUri"/>).</summary>
    public string? ToUri => !IsSip || Message.To.Uri.IsEmpty ? null : _toUri ??= Message.GetString(Message.To.Uri);

    /// <summary>The next hop without changing the Request-URI (from loose routing, or set by the script): Kamailio's $du.</summary>
    public string? Destination { get; set; }

    /// <summary>
    /// The transport of our second Record-Route entry when loose routing consumed two (double
    /// record-routing): the side the request leaves on, used when the next hop names no transport.
    /// </summary>
    public SipProtocol? ForcedProtocol { get; set; }

    /// <summary>Where a relay goes when no URI is given: the destination, else the Request-URI.</summary>
    public string? NextHop => Destination ?? RequestUri;

    /// <summary>Header lines (CRLF-terminated) that AppendToReply added to the replies of this request; empty when none.</summary>
    public ReadOnlySpan<byte> ReplyHeaders => _replyHeaders;

    public void AppendReplyHeader(string line)
    {
        ArgumentNullException.ThrowIfNull(line);

        // One array for all lines, written in place (an authentication challenge adds one line per
        // algorithm to every 401/407): no joined string, no intermediate copies.
        var start = _replyHeaders?.Length ?? 0;
        var grown = new byte[start + System.Text.Encoding.UTF8.GetByteCount(line) + 2];
        _replyHeaders?.CopyTo(grown, 0);
        var written = System.Text.Encoding.UTF8.GetBytes(line, grown.AsSpan(start));
        grown[start + written] = (byte)'\r';
        grown[start + written + 1] = (byte)'\n';
        _replyHeaders = grown;
    }

    private List<(string Uri, string? Destination)>? _branches;

    /// <summary>Branches added by AppendBranch for the next TRelay (parallel forking): Request-URI and optional next hop.</summary>
    public IReadOnlyList<(string Uri, string? Destination)> AppendedBranches => (IReadOnlyList<(string Uri, string? Destination)>?)_branches ?? [];

    public void AppendBranch(string uri, string? destination) => (_branches ??= []).Add((uri, destination));

    public void ClearBranches() => _branches?.Clear();

    public bool RecordRouteRequested { get; set; }

    public bool RecordRouteWritten { get; set; }

    public bool MaxForwardsDone { get; set; }

    public void SetRequestUri(string uri)
    {
        _requestUri = uri;
        RequestUriChanged = true;
    }

    // ---- what has happened ------------------------------------------------------------------

    /// <summary>A final or provisional reply was sent for this request.</summary>
    public bool Replied { get; private set; }

    /// <summary>The message was forwarded statelessly (or a reply relayed).</summary>
    public bool Forwarded { get; private set; }

    /// <summary>Drop() was called.</summary>
    public bool Dropped { get; private set; }

    /// <summary>A top-level Exit() ran (compiled to mark + return): callers of Route() stop too.</summary>
    public bool ExitRequested { get; private set; }

    /// <summary>This run created a client branch (TRelay).</summary>
    public bool Relayed { get; private set; }

    /// <summary>This run suspended the transaction (TSuspend, AsyncRoute): it is no longer this route's to settle.</summary>
    public bool DidSuspend { get; private set; }

    internal void MarkReplied(bool sent) => Replied |= sent;

    internal void MarkForwarded(bool sent) => Forwarded |= sent;

    internal void MarkDropped() => Dropped = true;

    internal void MarkExit() => ExitRequested = true;

    internal void MarkRelayed() => Relayed = true;

    internal void MarkSuspended() => DidSuspend = true;

    /// <summary>A route that must not wait (a reply route) waited anyway and runs on without us: this instance is never reused.</summary>
    internal bool LeftRunning { get; private set; }

    internal void MarkLeftRunning() => LeftRunning = true;

    // ---- transaction ------------------------------------------------------------------------

    /// <summary>The transaction of this message, once one exists.</summary>
    public SipTransaction? Transaction { get; private set; }

    /// <summary>
    /// The transaction timed out (or was cancelled) while this route was waiting: what the route
    /// does now is logged and ignored, never sent.
    /// </summary>
    public bool IsStale => Transaction is { } t && t.Generation != _generation;

    /// <summary>TOnFailure called before the transaction existed; applied at TRelay/TSuspend.</summary>
    public string? PendingFailureRoute { get; set; }

    public string? PendingOnReplyRoute { get; set; }

    internal void AttachTransaction(SipTransaction transaction)
    {
        Transaction = transaction;
        _generation = transaction.Generation;
    }

    // ---- buffers ------------------------------------------------------------------------------

    /// <summary>The pending edits, reset to this message on first use.</summary>
    public SipMessageEditor Editor()
    {
        var buffers = Buffers;
        if (!_editing)
        {
            buffers.Editor.Reset(buffers.Message);
            _editing = true;
        }

        return buffers.Editor;
    }

    /// <summary>The route went asynchronous (or runs on a stored request): this message owns its buffers and datagram.</summary>
    public void TakeOwnershipOfBuffers() => _ownsBuffers = true;

    /// <summary>Gives buffers and datagram back, if this message owns them.</summary>
    public void ReleaseBuffers()
    {
        if (_ownsBuffers)
        {
            _ownsBuffers = false;
            _datagram?.Release();
            if (_buffers is not null)
            {
                MessageBuffers.Return(_buffers);
            }

            _datagram = null;
            _buffers = null;
        }
    }

    /// <summary>
    /// A route is waiting (an <c>await</c>): give the parsed view, the edit list and the received
    /// bytes back while it waits, keeping only what the transaction already holds (its compact copy
    /// of the request, the source, the transport) — an awaiting transaction then costs what a
    /// suspended one costs. The first touch after the wait parses the copy again. Only possible for
    /// a message this run owns, with a transaction, and without pending edits (the edit list refers
    /// into the parsed view).
    /// </summary>
    public bool Hibernate()
    {
        if (!_ownsBuffers || _editing || Transaction is null || _buffers is null || _datagram is null)
        {
            return false;
        }

        _datagram.Release();
        MessageBuffers.Return(_buffers);
        _datagram = null;
        _buffers = null;
        return true;
    }

    private void Rehydrate()
    {
        var transaction = Transaction ?? throw new InvalidOperationException("The message's buffers were released.");
        _datagram = InboundDatagram.Rent(transaction.Transport, transaction.Request, transaction.Source);
        _buffers = MessageBuffers.Rent();
        _buffers.Message.Parse(_datagram.Data);
    }
}
