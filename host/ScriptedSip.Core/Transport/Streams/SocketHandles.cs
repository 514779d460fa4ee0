using System.Net.Sockets;

namespace ScriptedSip.Core.Transport.Streams;

/// <summary>
/// Uses a socket's file descriptor number while holding a reference on its handle: a socket closed
/// by another thread meanwhile is skipped, never confused with the socket that got its number next.
/// </summary>
internal static class SocketHandles
{
    /// <summary>Runs <paramref name="use"/> with the descriptor; false when the socket is closed (or <paramref name="use"/> said false).</summary>
    public static bool Use(Socket socket, Func<nint, bool> use)
    {
        var handle = socket.SafeHandle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return use(handle.DangerousGetHandle());
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }
}
