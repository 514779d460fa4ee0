using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ScriptedSip.Core.Transport;

/// <summary>Reads IP and port out of a <see cref="SocketAddress"/> without building an IPEndPoint.</summary>
public static class SocketAddressText
{
    public static int Port(SocketAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var bytes = address.Buffer.Span;
        return (bytes[2] << 8) | bytes[3];
    }

    /// <summary>A new address with the same bytes (e.g. out of a receive buffer the next datagram overwrites).</summary>
    public static SocketAddress Copy(SocketAddress source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var copy = new SocketAddress(source.Family, source.Size);
        source.Buffer.Span[..source.Size].CopyTo(copy.Buffer.Span);
        return copy;
    }

    public static void SetPort(SocketAddress address, int port)
    {
        ArgumentNullException.ThrowIfNull(address);
        var bytes = address.Buffer.Span;
        bytes[2] = (byte)(port >> 8);
        bytes[3] = (byte)port;
    }

    /// <summary>Writes the IP as text (IPv6 without brackets); returns the length, or -1 when it doesn't fit.</summary>
    public static int FormatIp(SocketAddress address, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(address);
        var bytes = address.Buffer.Span;
        if (address.Family == AddressFamily.InterNetwork)
        {
            var written = 0;
            for (var i = 4; i < 8; i++)
            {
                if (i > 4)
                {
                    if (written >= destination.Length)
                    {
                        return -1;
                    }

                    destination[written++] = (byte)'.';
                }

                if (!bytes[i].TryFormat(destination[written..], out var n))
                {
                    return -1;
                }

                written += n;
            }

            return written;
        }

        // IPv6 is rare enough on this path to use the framework's formatter.
        var ip = new IPAddress(bytes.Slice(8, 16));
        return ip.TryFormat(destination, out var length) ? length : -1;
    }

    /// <summary>
    /// The IP as text. Most messages a thread handles come from a few peers, so it keeps the last
    /// address it formatted (per thread: nothing shared) and returns the same string for it again.
    /// </summary>
    public static string Ip(SocketAddress address)
    {
        Span<byte> text = stackalloc byte[64];
        var length = FormatIp(address, text);
        if (length < 0)
        {
            return "?";
        }

        var ascii = text[..length];
        if (t_lastIp is { } last && last.Length == length && Ascii.Equals(ascii, last))
        {
            return last;
        }

        return t_lastIp = Encoding.ASCII.GetString(ascii);
    }

    [ThreadStatic]
    private static string? t_lastIp;

    /// <summary>ip:port for log lines; "?" when the address cannot be read.</summary>
    public static string Describe(SocketAddress address)
    {
        try
        {
            return new IPEndPoint(IPAddress.Any, 0).Create(address).ToString() ?? "?";
        }
        catch (ArgumentException)
        {
            return "?";
        }
    }
}
