using System.Collections.Concurrent;
using ScriptedSip.Core.Stats;
using ScriptedSip.Core.Transactions;

namespace ScriptedSip.Host.Management.Rpc;

/// <summary>
/// <c>stats.get_statistics</c>, <c>stats.reset_statistics</c> and <c>tm.stats</c> with Kamailio's
/// names (<c>group:name</c>). A reset only moves this view's zero: /metrics stays monotonic, as
/// Prometheus counters must.
/// </summary>
internal static class StatsRpcMethods
{
    private const string TmCurrent = "tm:current";
    private const string TmSuspended = "tm:suspended";

    public static void AddTo(RpcMethodTable table, SipCounters counters, TransactionLayer transactions, TransactionOptions options)
    {
        var zero = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);

        table.Add("stats.get_statistics", "statistics: 'all', a group ('tm:') or names ('core:rcv_requests'); several allowed", (p, _) =>
        {
            var values = Current(counters, transactions, zero);
            return CoreRpcMethods.Result(Select(values.Keys, p.Strings("statistic"))
                .ToDictionary(name => name, name => values[name], StringComparer.Ordinal));
        });

        table.Add("stats.reset_statistics", "sets counters to zero for this view ('all', a group or names); gauges cannot be reset", (p, _) =>
        {
            var raw = Raw(counters);
            var reset = Select(raw.Keys, p.Strings("statistic")).ToList();
            foreach (var name in reset)
            {
                zero[name] = raw[name];
            }

            return CoreRpcMethods.Result(new Dictionary<string, object?> { ["reset"] = reset.Count });
        });

        table.Add("tm.stats", "transactions now, suspended now, created in total", (_, _) =>
        {
            var values = Current(counters, transactions, zero);
            return CoreRpcMethods.Result(new Dictionary<string, object?>
            {
                ["current"] = transactions.Table.Count,
                ["suspended"] = transactions.SuspendedNow,
                ["max_suspended"] = options.MaxSuspended,
                ["total"] = values["tm:total"],
                ["suspend_timeouts"] = values["tm:suspend_timeouts"],
                ["resumes"] = values["tm:resumes"],
                ["resume_failures"] = values["tm:resume_failures"],
            });
        });
    }

    private static Dictionary<string, long> Raw(SipCounters counters) =>
        SipInstruments.Counters.ToDictionary(i => i.Name.Replace('.', ':'), i => counters[i.Counter], StringComparer.Ordinal);

    private static Dictionary<string, long> Current(SipCounters counters, TransactionLayer transactions, ConcurrentDictionary<string, long> zero)
    {
        var values = Raw(counters);
        foreach (var name in values.Keys.ToList())
        {
            values[name] -= zero.GetValueOrDefault(name);
        }

        values[TmCurrent] = transactions.Table.Count;
        values[TmSuspended] = transactions.SuspendedNow;
        return values;
    }

    /// <summary>Kamailio's selection: none or 'all' = everything; 'group:' = that group; otherwise exact names. An unknown one is -32602.</summary>
    private static List<string> Select(IEnumerable<string> known, IReadOnlyList<string> wanted)
    {
        var names = known.Order(StringComparer.Ordinal).ToList();
        if (wanted.Count == 0 || wanted.Contains("all", StringComparer.Ordinal))
        {
            return names;
        }

        var selected = new List<string>();
        foreach (var want in wanted)
        {
            var matches = want.EndsWith(':')
                ? names.Where(n => n.StartsWith(want, StringComparison.Ordinal)).ToList()
                : names.Where(n => n == want).ToList();
            if (matches.Count == 0)
            {
                var groups = string.Join(", ", names.Select(n => n[..(n.IndexOf(':', StringComparison.Ordinal) + 1)]).Distinct());
                throw RpcException.BadParams($"no statistic or group '{want}' (groups: {groups}; a name looks like core:rcv_requests)");
            }

            selected.AddRange(matches.Where(m => !selected.Contains(m)));
        }

        return selected;
    }
}
