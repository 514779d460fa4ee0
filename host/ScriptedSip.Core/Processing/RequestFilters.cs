using System.Net.Sockets;
using ScriptedSip.Core.Messages;
using ScriptedSip.Core.Parsing;
using ScriptedSip.Core.Stats;
using ScriptedSip.Core.Transport;
using ScriptedSip.Sdk.Plugins;

namespace ScriptedSip.Core.Processing;

/// <summary>
/// The plugins' request filters (<see cref="IRequestFilter"/>), asked about every parsed request
/// before the transaction layer. Replaced as a whole when the plugin set changes; with no filter
/// the message path pays one volatile read and a length check, and a request that passes every
/// filter costs no allocation.
/// </summary>
public sealed class RequestFilters
{
    private volatile IRequestFilter[] _filters = [];

    /// <summary>The filters in use now, in order.</summary>
    public IReadOnlyList<IRequestFilter> Current => _filters;

    /// <summary>True when no filter is installed: the message path skips <see cref="Intercept"/>.</summary>
    public bool IsEmpty => _filters.Length == 0;

    public void Replace(IEnumerable<IRequestFilter> filters) => _filters = [.. filters];

    /// <summary>
    /// Runs the filters on a parsed request. True when one of them dropped or answered it: the
    /// caller then releases the datagram and goes no further.
    /// </summary>
    public bool Intercept(SipMessage request, InboundDatagram datagram, MessageServices messages, SipCounters counters)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(datagram);
        var filters = _filters;
        if (filters.Length == 0)
        {
            return false;
        }

        var source = datagram.Source;
        var bytes = source.Buffer.Span;
        var address = source.Family == AddressFamily.InterNetworkV6 ? bytes.Slice(8, 16) : bytes.Slice(4, 4);
        var port = SocketAddressText.Port(source);
        var method = request.Span(request.MethodToken);
        foreach (var filter in filters)
        {
            var verdict = filter.Check(address, port, method);
            switch (verdict.Action)
            {
                case RequestFilterAction.Pass:
                    continue;
                case RequestFilterAction.Reply when request.Method != SipMethod.Ack:
                    counters.Increment(SipCounter.DroppedRequests);
                    Answer(request, datagram, verdict, messages, counters);
                    return true;
                default:
                    counters.Increment(SipCounter.DroppedRequests);
                    return true;
            }
        }

        return false;
    }

    private static void Answer(SipMessage request, InboundDatagram datagram, RequestFilterResult verdict, MessageServices messages, SipCounters counters)
    {
        Span<byte> retryAfter = stackalloc byte[32];
        var headerLength = 0;
        if (verdict.RetryAfterSeconds > 0)
        {
            System.Text.Unicode.Utf8.TryWrite(retryAfter, $"Retry-After: {verdict.RetryAfterSeconds}\r\n", out headerLength);
        }

        var buffer = OutputBuffer.Message;
        var length = messages.Replier.Write(request, datagram.Source, verdict.Code, verdict.Reason ?? "Service Unavailable", retryAfter[..headerLength], buffer);
        var sent = length > 0 && datagram.Transport.Send(buffer.AsSpan(0, length), StatelessReplier.Destination(request, datagram.Source));
        counters.ReplySent(verdict.Code, sent);
    }
}
