using System.Net;
using System.Text;
using ScriptedSip.Core.Transactions;

namespace ScriptedSip.Host.Management.Rpc;

/// <summary><c>tm.list</c> (live transactions) and <c>tm.continue</c> (TContinue over RPC).</summary>
internal static class TmRpcMethods
{
    public static void AddTo(RpcMethodTable table, TransactionLayer transactions)
    {
        table.Add("tm.list", "live transactions: id, method, state, suspension, age", (_, _) => CoreRpcMethods.Result(
            transactions.Table.Snapshot()
                .OrderBy(t => t.CreatedAt)
                .Select(Describe)
                .ToList()));

        table.Add("tm.continue", "resume a suspended transaction: INDEX LABEL ROUTE (as TContinue: false and a warning when it resumes nothing)", (p, _) =>
        {
            var index = p.Number(0, "index");
            var label = p.Number(1, "label");
            var route = p.RequiredString(2, "route");
            return CoreRpcMethods.Result(transactions.Continue(index, label, route));
        });
    }

    private static Dictionary<string, object?> Describe(SipTransaction t) => new()
    {
        ["id"] = $"{t.Index}:{t.Label}",
        ["index"] = t.Index,
        ["label"] = t.Label,
        ["method"] = t.Method.ToString().ToUpperInvariant(),
        ["call_id"] = CallId(t.Request),
        ["source"] = Source(t.Source),
        ["state"] = t.State.ToString().ToLowerInvariant(),
        ["suspension"] = t.Suspension switch
        {
            SuspendState.Suspended => "suspended",
            SuspendState.Awaiting => "awaiting",
            _ => "none",
        },
        ["last_status"] = t.LastStatus,
        ["age_ms"] = (long)System.Diagnostics.Stopwatch.GetElapsedTime(t.CreatedAt).TotalMilliseconds,
    };

    private static string Source(SocketAddress address)
    {
        var family = address.Family == System.Net.Sockets.AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
        return new IPEndPoint(family, 0).Create(address).ToString() ?? "?";
    }

    /// <summary>The Call-ID header of the kept request (full or compact form), for an operator's eye.</summary>
    private static string? CallId(byte[] request)
    {
        var end = request.AsSpan().IndexOf("\r\n\r\n"u8);
        var head = Encoding.UTF8.GetString(request, 0, end < 0 ? request.Length : end);
        foreach (var line in head.Split("\r\n"))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var name = line[..colon].Trim();
            if (name.Equals("Call-ID", StringComparison.OrdinalIgnoreCase) || name.Equals("i", StringComparison.OrdinalIgnoreCase))
            {
                return line[(colon + 1)..].Trim();
            }
        }

        return null;
    }
}
