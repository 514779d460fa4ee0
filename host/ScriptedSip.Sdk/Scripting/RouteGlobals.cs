using System.Collections.Concurrent;

namespace ScriptedSip.Sdk.Scripting;

/// <summary>
/// The globals every route script (<c>*.csx</c>) is compiled against. Member names are the public
/// script API: PascalCase forms of Kamailio's pseudo-variables ($mb, $si, $sp, $rm, $ru ...) and
/// functions (sl_send_reply, forward, t_relay ...). One instance exists per message run.
/// </summary>
public abstract partial class RouteGlobals
{
    // ---- the message -------------------------------------------------------------------------

    /// <summary>The whole message or packet as text ($mb).</summary>
    public abstract string Mb { get; }

    /// <summary>The raw bytes of the message or packet. Valid only while the route runs.</summary>
    public abstract ReadOnlyMemory<byte> MbBytes { get; }

    /// <summary>Source IP address of the datagram ($si).</summary>
    public abstract string Si { get; }

    /// <summary>Source port of the datagram ($sp).</summary>
    public abstract int Sp { get; }

    /// <summary>Transport the message arrived on ($pr): <c>udp</c>, <c>tcp</c> or <c>tls</c>.</summary>
    public abstract string Proto { get; }

    /// <summary>Local port the message arrived on ($Rp): the port of the listen address.</summary>
    public abstract int Rp { get; }

    /// <summary>Local IP address the message arrived on ($Ri): the bound address of the listener.</summary>
    public abstract string Ri { get; }

    /// <summary>Request method ($rm); the CSeq method in reply routes; null for non-SIP packets.</summary>
    public abstract string? Rm { get; }

    /// <summary>Request URI ($ru). Setting it changes where <see cref="Forward()"/> and TRelay send.</summary>
    public abstract string? Ru { get; set; }

    /// <summary>
    /// The destination URI ($du): the next hop of <see cref="Forward()"/> and TRelay without changing
    /// the Request-URI. Loose routing sets it from a Route header; null when none is set. Setting null
    /// or an empty string clears it.
    /// </summary>
    public abstract string? Du { get; set; }

    /// <summary>
    /// This message's globals as a value: plugin methods that act on the current message take it as
    /// an argument (<c>Plugin&lt;Registrar&gt;().Save(Message)</c>), since a script has no <c>this</c>.
    /// </summary>
    public RouteGlobals Message => this;

    /// <summary>
    /// Adds a header line to every reply this route sends from now on (SlSendReply, TReply):
    /// Kamailio's append_to_reply. Text without the trailing CRLF is fine; false for a line that is
    /// not a header or holds a line break.
    /// </summary>
    public abstract bool AppendToReply(string text);

    /// <summary>Reply status code ($rs) in reply routes, 0 elsewhere.</summary>
    public abstract int Rs { get; }

    /// <summary>Reply reason phrase ($rr) in reply routes, null elsewhere.</summary>
    public abstract string? Rr { get; }

    /// <summary>Call-ID ($ci).</summary>
    public abstract string? Ci { get; }

    /// <summary>URI of the From header ($fu).</summary>
    public abstract string? Fu { get; }

    /// <summary>URI of the To header ($tu).</summary>
    public abstract string? Tu { get; }

    /// <summary>First value of the named header (compact forms accepted), or null.</summary>
    public abstract string? Hdr(string name);

    /// <summary>Every header line of that name, in message order.</summary>
    public abstract IReadOnlyList<string> HdrAll(string name);

    /// <summary>Appends a header to the message (append_hf). Text without the trailing CRLF is fine.</summary>
    public abstract bool AppendHf(string text);

    /// <summary>Removes every header of that name (remove_hf); returns how many were removed.</summary>
    public abstract int RemoveHf(string name);

    /// <summary>True when the To header carries a tag (an in-dialog request).</summary>
    public abstract bool HasToTag();

    /// <summary>True when a SIP URI (or host[:port]) names one of this server's listen addresses (Kamailio's <c>uri==myself</c>).</summary>
    public abstract bool IsMyself(string? uri);

    /// <summary>True when the method is one of a '|'-separated list, e.g. "INVITE|BYE" (is_method).</summary>
    public abstract bool IsMethod(string methods);

    // ---- state -------------------------------------------------------------------------------

    /// <summary>Variables of this message run ($var). Survive nested Route() calls and awaits.</summary>
    public abstract IDictionary<string, object?> Var { get; }

    /// <summary>Process-wide shared variables ($shv), thread-safe.</summary>
    public abstract ConcurrentDictionary<string, object?> Shv { get; }

    // ---- plugins -----------------------------------------------------------------------------

    /// <summary>The object a loaded plugin exported as <typeparamref name="T"/>, e.g. <c>Plugin&lt;Htable&gt;()</c>.</summary>
    public abstract T Plugin<T>()
        where T : class;

    // ---- stateless actions -------------------------------------------------------------------

    /// <summary>Sends a stateless reply to the current request (sl_send_reply).</summary>
    public abstract bool SlSendReply(int code, string reason);

    /// <summary>Forwards the request statelessly to the request URI (forward).</summary>
    public abstract bool Forward();

    /// <summary>Forwards the request statelessly to the given SIP URI or host[:port].</summary>
    public abstract bool Forward(string uri);

    /// <summary>Adds our Record-Route (with lr) when the request is forwarded (record_route).</summary>
    public abstract void RecordRoute();

    /// <summary>Loose routing (loose_route): true when a Route header was present and was processed.</summary>
    public abstract bool LooseRoute();

    /// <summary>Decrements Max-Forwards, adding it with <paramref name="limit"/> when missing (mf_process_maxfwd_header). False means it reached 0: reply 483.</summary>
    public abstract bool MaxFwdProcess(int limit);

    /// <summary>Runs a named route on this message and returns what it returned (route(NAME)). The named route must complete synchronously; use <see cref="RouteAsync"/> for one that awaits.</summary>
    public abstract object? Route(string name);

    /// <summary>Runs a named route that may await.</summary>
    public abstract Task<object?> RouteAsync(string name);

    /// <summary>Stops processing and drops the message (drop). In a reply route the reply is not relayed.</summary>
    public abstract void Drop();

    /// <summary>Stops all processing of this message, also from inside a nested <see cref="Route"/> (exit).</summary>
    public abstract void Exit();

    /// <summary>Compiler plumbing (see <see cref="IRouteControl"/>); hidden from scripts' editors and the editor stub.</summary>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
    public abstract IRouteControl ScriptControl { get; }

    /// <summary>Logs a line at Information level, tagged with the Call-ID or the packet source (xlog).</summary>
    public void Xlog(string text) => Xlog(ScriptLogLevel.Info, text);

    /// <summary>Logs a line at the given level, tagged with the Call-ID or the packet source.</summary>
    public abstract void Xlog(ScriptLogLevel level, string text);
}
