using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ScriptedSip.Core.Processing.Overload;

/// <summary>
/// How full the kernel's receive queues of our UDP sockets are, read from <c>/proc/net/udp</c> and
/// <c>/proc/net/udp6</c> (Linux): the earliest sign that the receive threads fall behind, before any
/// worker queue grows — with inline processing the receive thread is the one doing the work, and
/// what it cannot take waits in (and then overflows) the socket buffer. Also the kernel's drop count
/// per socket (datagrams lost to a full buffer). Elsewhere <see cref="Available"/> is false.
/// </summary>
public sealed class KernelUdpQueues
{
    private const string Udp4 = "/proc/net/udp";
    private const string Udp6 = "/proc/net/udp6";
    private readonly string[] _local;
    private readonly bool _any6;
    private readonly bool _any4;

    /// <param name="sockets">The listener sockets (bound); their buffer size is read as the kernel reports it.</param>
    public KernelUdpQueues(IReadOnlyList<(IPEndPoint Local, int BufferBytes)> sockets)
    {
        ArgumentNullException.ThrowIfNull(sockets);
        Sockets = sockets;
        _local = sockets.Select(s => Encode(s.Local)).ToArray();
        _any4 = sockets.Any(s => s.Local.AddressFamily == AddressFamily.InterNetwork);
        _any6 = sockets.Any(s => s.Local.AddressFamily == AddressFamily.InterNetworkV6);
        Available = OperatingSystem.IsLinux() && File.Exists(Udp4);
    }

    /// <summary>The sockets watched, with the receive buffer size the kernel reports for each.</summary>
    public IReadOnlyList<(IPEndPoint Local, int BufferBytes)> Sockets { get; }

    public bool Available { get; }

    /// <summary>
    /// The fullest socket (queued bytes in percent of its buffer, and which one) and the kernel's
    /// drops summed over all of them. Zeros when nothing could be read.
    /// </summary>
    public (int Percent, int Socket, long Drops) Read()
    {
        var queued = new long[_local.Length];
        long drops = 0;
        if (Available)
        {
            if (_any4)
            {
                drops += Scan(Udp4, queued);
            }

            if (_any6 && File.Exists(Udp6))
            {
                drops += Scan(Udp6, queued);
            }
        }

        var worst = 0;
        var which = 0;
        for (var i = 0; i < queued.Length; i++)
        {
            var buffer = Math.Max(1, Sockets[i].BufferBytes);
            var percent = (int)Math.Min(100, queued[i] * 100 / buffer);
            if (percent > worst)
            {
                worst = percent;
                which = i;
            }
        }

        return (worst, which, drops);
    }

    private long Scan(string path, long[] queued)
    {
        long drops = 0;
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (IOException)
        {
            return 0;
        }

        foreach (var line in text.AsSpan().EnumerateLines())
        {
            if (!TryParseLine(line, out var local, out var rx, out var lineDrops))
            {
                continue;
            }

            for (var i = 0; i < _local.Length; i++)
            {
                if (local.SequenceEqual(_local[i]))
                {
                    queued[i] = Math.Max(queued[i], rx);
                    drops += lineDrops;
                }
            }
        }

        return drops;
    }

    /// <summary>
    /// One socket line: its local address (as the kernel prints it), the receive queue in bytes and
    /// the drop count. False for the header line or anything unexpected.
    /// </summary>
    internal static bool TryParseLine(ReadOnlySpan<char> line, out ReadOnlySpan<char> local, out long rxQueue, out long drops)
    {
        local = default;
        rxQueue = 0;
        drops = 0;
        Span<Range> fields = stackalloc Range[14];
        var trimmed = line.Trim();
        var count = trimmed.SplitAny(fields, " \t", StringSplitOptions.RemoveEmptyEntries);
        if (count < 13 || !trimmed[fields[0]].EndsWith(':'))
        {
            return false;
        }

        local = trimmed[fields[1]];
        var queues = trimmed[fields[4]];
        var colon = queues.IndexOf(':');
        return colon > 0
            && long.TryParse(queues[(colon + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out rxQueue)
            && long.TryParse(trimmed[fields[12]], NumberStyles.Integer, CultureInfo.InvariantCulture, out drops);
    }

    /// <summary>An address as /proc/net/udp prints it: each 32-bit word of the address in host order, hex, then the port.</summary>
    internal static string Encode(IPEndPoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var bytes = endpoint.Address.GetAddressBytes();
        var text = new System.Text.StringBuilder(40);
        for (var i = 0; i < bytes.Length; i += 4)
        {
            var word = BitConverter.IsLittleEndian
                ? BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(i, 4))
                : BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(i, 4));
            text.Append(word.ToString("X8", CultureInfo.InvariantCulture));
        }

        return text.Append(':').Append(endpoint.Port.ToString("X4", CultureInfo.InvariantCulture)).ToString();
    }
}
