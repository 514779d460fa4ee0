using ScriptedSip.Sdk.Plugins;

namespace ScriptedSip.Plugins.Dispatcher;

/// <summary>
/// Kamailio's dispatcher RPC commands on the host's control interface:
/// <c>dispatcher.list</c>, <c>dispatcher.set_state STATE SET ADDRESS</c> (ADDRESS a destination's URI,
/// its <c>host:port</c>, or <c>all</c>), <c>dispatcher.reload</c> (the problems as the error when the
/// new sets are refused) and <c>dispatcher.ping_active [0|1]</c> (turns the health probing off or on;
/// without a parameter it says which).
/// </summary>
internal static class DispatcherRpc
{
    public static void AddTo(IPluginContext context, Dispatcher dispatcher, bool probing)
    {
        context.AddRpcMethod("dispatcher.list", (_, _) => Done(List(dispatcher)));

        context.AddRpcMethod("dispatcher.set_state", (p, _) =>
        {
            var state = RpcArguments.Text(p, 0, "state");
            Dispatcher.ParseState(state); // a bad state is named as such, whatever the address
            var set = RpcArguments.Integer(p, 1, "set");
            var address = RpcArguments.Text(p, 2, "address");
            var changed = 0;
            foreach (var destination in dispatcher.List(set))
            {
                if (Matches(destination, address) && dispatcher.SetState(set, destination.Uri, state))
                {
                    changed++;
                }
            }

            return changed > 0
                ? Done(new Dictionary<string, object?> { ["changed"] = changed })
                : throw new ArgumentException($"set {set} has no destination '{address}'");
        });

        context.AddRpcMethod("dispatcher.reload", (_, _) =>
        {
            var problems = dispatcher.Reload();
            return problems.Count == 0
                ? Done(new Dictionary<string, object?> { ["sets"] = dispatcher.SetIds.Count })
                : throw new InvalidOperationException("the sets were not reloaded, the previous ones keep serving: " + string.Join("; ", problems));
        });

        context.AddRpcMethod("dispatcher.ping_active", (p, _) =>
        {
            if (RpcArguments.OptionalInteger(p, 0, "state") is { } wanted)
            {
                if (wanted is not (0 or 1))
                {
                    throw new ArgumentException("parameter state must be 0 (probing off) or 1 (on)");
                }

                if (wanted == 1 && !probing)
                {
                    throw new InvalidOperationException("probing is not configured (Plugins:Dispatcher:ProbeIntervalSeconds is 0)");
                }

                dispatcher.ProbingEnabled = wanted == 1;
            }

            return Done(new Dictionary<string, object?> { ["ping_active"] = dispatcher.ProbingEnabled ? 1 : 0 });
        });
    }

    private static List<Dictionary<string, object?>> List(Dispatcher dispatcher) =>
        dispatcher.SetIds.Order().Select(id => new Dictionary<string, object?>
        {
            ["set"] = id,
            ["targets"] = dispatcher.List(id).Select(d => new Dictionary<string, object?>
            {
                ["uri"] = d.Uri,
                ["flags"] = Flags(d.State),
                ["state"] = d.State.ToString().ToLowerInvariant(),
                ["priority"] = d.Priority,
                ["weight"] = d.Weight,
                ["load"] = d.Load,
                ["attrs"] = d.Attrs,
            }).ToList(),
        }).ToList();

    /// <summary>Kamailio's flag letters: A(ctive), I(nactive), D(isabled), then P when probing covers it.</summary>
    private static string Flags(DestinationState state) => state switch
    {
        DestinationState.Active => "AP",
        DestinationState.Inactive => "IP",
        _ => "DX",
    };

    private static bool Matches(Destination destination, string address) =>
        string.Equals(address, "all", StringComparison.OrdinalIgnoreCase)
        || string.Equals(destination.Uri, address, StringComparison.OrdinalIgnoreCase)
        || string.Equals($"{destination.Host}:{destination.Port}", address, StringComparison.OrdinalIgnoreCase);

    private static ValueTask<object?> Done(object? result) => ValueTask.FromResult(result);
}
