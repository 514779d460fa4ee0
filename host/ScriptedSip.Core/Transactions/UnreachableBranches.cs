using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ScriptedSip.Core.Stats;
using ScriptedSip.Core.Transport;

namespace ScriptedSip.Core.Transactions;

/// <summary>
/// A datagram of a client branch bounced (ICMP unreachable): the branch ends at once with 503, into
/// the failure route when it was the last one pending — as a TCP connection that cannot be opened
/// does — instead of waiting for its fr timer. The bounced datagram's quoted beginning names the
/// branch: it is our forwarded request, and our Via (with our branch id) is its first header. The
/// branch is ended only when it is still pending and really went to that address over that transport.
/// </summary>
internal sealed class UnreachableBranches
{
    private readonly TransactionContext _ctx;

    public UnreachableBranches(TransactionContext ctx) => _ctx = ctx;

    public bool OnUnreachable(ISipTransport transport, SocketAddress destination, ReadOnlySpan<byte> quoted, string reason)
    {
        if (!TryReadTopViaBranch(quoted, out var branchId)
            || !BranchReplies.TryParseOurBranch(branchId, out var index, out var branchKey, out var number))
        {
            return false; // a reply we sent upstream, a stateless forward, a ping: nothing waits for it
        }

        var transaction = _ctx.Table.FindByBranchKey(index, branchKey);
        if (transaction is null)
        {
            return false;
        }

        ClientBranch? branch;
        lock (transaction.Gate)
        {
            branch = number < transaction.Branches.Count ? transaction.Branches[number] : null;
            if (branch is null || branch.Completed || !ReferenceEquals(branch.Transport, transport) || !SameAddress(branch.Destination, destination))
            {
                return false;
            }
        }

        _ctx.Counters.Increment(SipCounter.BranchesUnreachable);
        TransactionLog.BranchUnreachable(_ctx.Logger, Describe(transaction), number, Describe(destination), reason);
        ClientBranches.FailBranch(branch, 503, "Destination Unreachable");
        return true;
    }

    /// <summary>The branch parameter of the first Via header of a (possibly cut) request.</summary>
    internal static bool TryReadTopViaBranch(ReadOnlySpan<byte> datagram, out ReadOnlySpan<byte> branch)
    {
        branch = default;
        if (datagram.StartsWith("SIP/"u8))
        {
            return false; // a reply, not a request
        }

        var rest = datagram;
        while (true)
        {
            var end = rest.IndexOf("\r\n"u8);
            if (end < 0)
            {
                return false;
            }

            rest = rest[(end + 2)..];
            if (rest.IsEmpty || rest.StartsWith("\r\n"u8))
            {
                return false; // end of the header section, no Via
            }

            var colon = rest.IndexOf((byte)':');
            if (colon <= 0)
            {
                return false;
            }

            var name = rest[..colon].TrimEnd((byte)' ');
            if (!(name.Length == 3 && Ascii.EqualsIgnoreCase(name, "Via"u8)) && !(name.Length == 1 && (name[0] | 0x20) == 'v'))
            {
                continue;
            }

            var lineEnd = rest.IndexOf((byte)'\r');
            var line = lineEnd < 0 ? rest : rest[..lineEnd];
            var at = line.IndexOf(";branch="u8);
            if (at < 0)
            {
                return false;
            }

            var value = line[(at + 8)..];
            var stop = value.IndexOfAny(";, \t"u8);
            branch = stop < 0 ? value : value[..stop];
            return !branch.IsEmpty;
        }
    }

    /// <summary>Same family, port and IP (the scope and flow fields of an IPv6 address aside).</summary>
    internal static bool SameAddress(SocketAddress a, SocketAddress b)
    {
        if (a.Family != b.Family)
        {
            return false;
        }

        var x = a.Buffer.Span;
        var y = b.Buffer.Span;
        return a.Family == AddressFamily.InterNetworkV6
            ? x.Length >= 24 && y.Length >= 24 && x[2..4].SequenceEqual(y[2..4]) && x[8..24].SequenceEqual(y[8..24])
            : x.Length >= 8 && y.Length >= 8 && x[2..8].SequenceEqual(y[2..8]);
    }

    private static string Describe(SipTransaction transaction) =>
        transaction.Index.ToString(CultureInfo.InvariantCulture) + ":" + transaction.Label.ToString(CultureInfo.InvariantCulture);

    private static string Describe(SocketAddress address)
    {
        Span<byte> ip = stackalloc byte[64];
        var length = SocketAddressText.FormatIp(address, ip);
        var host = length < 0 ? "?" : Encoding.ASCII.GetString(ip[..length]);
        var port = SocketAddressText.Port(address).ToString(CultureInfo.InvariantCulture);
        return address.Family == AddressFamily.InterNetworkV6 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
