using System.Net;
using System.Text;
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

    /// <summary>Runs an event route with <c>Mb</c> = <paramref name="text"/>, <c>Si</c> = 127.0.0.1, <c>Sp</c> = 0.</summary>
    public bool RaiseEvent(string route, string text)
    {
        ArgumentNullException.ThrowIfNull(route);
        var listener = _services.Listeners.All.FirstOrDefault(l => l.Endpoint.Family == Loopback.Family);
        var routes = _services.Routes.Current;
        var entry = routes.Find(route);
        if (listener is null || entry is null)
        {
            return false;
        }

        var datagram = listener.CreateDatagram(Encoding.UTF8.GetBytes(text ?? string.Empty), Loopback);
        var buffers = MessageBuffers.Rent();
        buffers.Message.Parse(ReadOnlyMemory<byte>.Empty);
        var context = new MessageContext(_services, datagram, buffers, routes, RouteKind.Event);
        context.TakeOwnershipOfBuffers();
        if (_services.Runner.Run(context, entry, route, null))
        {
            context.ReleaseBuffers();
        }

        return true;
    }
}
