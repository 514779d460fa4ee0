using System.Net;
using System.Text;
using ScriptedSip.Core.Messages;
using ScriptedSip.Core.Processing;
using ScriptedSip.Core.Transactions;
using ScriptedSip.Sdk.Plugins;
using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Host.Plugins;

/// <summary>What plugins may call on the host, through the SDK interface only.</summary>
internal sealed class SipHostApi : ISipHost
{
    private static readonly SocketAddress Loopback = new IPEndPoint(IPAddress.Loopback, 0).Serialize();
    private readonly ProcessingServices _services;

    public SipHostApi(ProcessingServices services) => _services = services;

    public bool TContinue(uint tindex, uint tlabel, string route) =>
        _services.Transactions.Continue(new TransactionId(tindex, tlabel), route);

    public Task<int> SendRequestAsync(string method, string uri, string from, string? extraHeaders, TimeSpan timeout, CancellationToken cancellationToken) =>
        _services.LocalRequests.SendAsync(method, uri, from, extraHeaders, timeout, cancellationToken);

    public bool SendDatagram(string uri, ReadOnlySpan<byte> payload)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(uri);
        if (_services.Transports.All.Count == 0)
        {
            throw new InvalidOperationException("the server listens on nothing yet: nothing can be sent");
        }

        if (!_services.Destinations.TryResolve(Encoding.UTF8.GetBytes(uri), out var endpoint, out _))
        {
            return false;
        }

        var transport = _services.Transports.For(endpoint!.AddressFamily, ScriptedSip.Core.Transport.SipProtocol.Udp, null);
        return transport is not null && transport.Send(payload, endpoint.Serialize());
    }

    /// <summary>
    /// Queues an event route with <c>Mb</c> = <paramref name="text"/>, <c>Si</c> = 127.0.0.1, <c>Sp</c> = 0
    /// to a worker (chosen by the text, like a non-SIP packet by its source); false when no such
    /// route is loaded or no listener could carry it.
    /// </summary>
    public bool RaiseEvent(string route, string text)
    {
        ArgumentNullException.ThrowIfNull(route);
        var transport = _services.Transports.All.FirstOrDefault(t => t.Local.Family == Loopback.Family);
        if (transport is null || _services.Routes.Current.Find(route) is null)
        {
            return false;
        }

        var bytes = Encoding.UTF8.GetBytes(text ?? string.Empty);
        _services.Scheduler.Post((uint)StringComparer.Ordinal.GetHashCode(route + text), _ => Run(transport, route, bytes), null);
        return true;
    }

    private void Run(ScriptedSip.Core.Transport.ISipTransport transport, string route, byte[] text)
    {
        var routes = _services.Routes.Current;
        if (routes.Find(route) is not { } entry)
        {
            return; // unloaded between the call and this turn
        }

        var datagram = ScriptedSip.Core.Transport.InboundDatagram.Rent(transport, text, Loopback);
        var buffers = MessageBuffers.Rent();
        buffers.Message.Parse(ReadOnlyMemory<byte>.Empty);
        var context = new MessageContext(_services, datagram, buffers, routes, RouteKind.Event);
        context.TakeOwnershipOfBuffers();
        if (_services.Runner.Run(context, entry, route))
        {
            context.ReleaseBuffers();
        }
    }
}
