using System.Net;
using System.Net.Sockets;

namespace ScriptedSip.Core.Transport.Streams;

/// <summary>
/// Makes a connection's stream: connects an outgoing socket, then secures it with TLS when the
/// listener is a <c>tls:</c> one (as client outgoing, as server for an accepted connection), all
/// within <c>Tcp:ConnectTimeoutMs</c>. A failure says why, as the close reason the connection logs.
/// </summary>
internal static class StreamOpener
{
    public static async Task<(Stream? Stream, CloseReason Failure, string Detail)> OpenAsync(
        StreamConnection connection, Socket socket, IPEndPoint? connectTo, StreamListener listener, bool inbound, string targetHost, TimeProvider time)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(listener.Tcp.ConnectTimeoutMs), time);
            if (connectTo is not null)
            {
                await listener.ConnectAsync(connection, socket, connectTo, timeout.Token).ConfigureAwait(false);
            }

            Stream stream = new NetworkStream(socket, ownsSocket: false);
            if (listener.Tls is { } tls)
            {
                stream = await tls.AuthenticateAsync(stream, inbound, targetHost, timeout.Token).ConfigureAwait(false);
            }

            return (stream, default, string.Empty);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or System.Security.Authentication.AuthenticationException or ObjectDisposedException)
        {
            var reason = connectTo is null || (listener.Tls is not null && ex is not SocketException && socket.Connected) ? CloseReason.TlsHandshakeFailed : CloseReason.ConnectFailed;
            return (null, reason, ex is OperationCanceledException ? "timed out" : ex.Message);
        }
    }
}
