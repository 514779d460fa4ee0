using System.Globalization;
using System.Text.Json;
using ScriptedSip.Sdk.Plugins;

namespace ScriptedSip.Plugins.Htable;

/// <summary>
/// Kamailio's htable RPC commands on the host's control interface: <c>htable.dump TABLE</c>,
/// <c>htable.get TABLE KEY</c>, <c>htable.sets TABLE KEY VALUE</c>, <c>htable.delete TABLE KEY</c>.
/// Params by position or by name (<c>htable</c>, <c>key</c>, <c>value</c>); a bad or missing one,
/// or an unknown table, is an <see cref="ArgumentException"/> (the caller's -32602).
/// </summary>
internal static class HtableRpc
{
    public static void AddTo(IPluginContext context, Htable tables)
    {
        context.AddRpcMethod("htable.dump", (p, _) =>
        {
            var table = tables.Find(Text(p, 0, "htable"));
            return Done(table.Snapshot().Select(item => new Dictionary<string, object?>
            {
                ["key"] = item.Key,
                ["value"] = item.Value,
                ["expires"] = item.ExpiresAt?.ToString("O", CultureInfo.InvariantCulture),
            }).ToList());
        });

        context.AddRpcMethod("htable.get", (p, _) =>
        {
            var table = Text(p, 0, "htable");
            var key = Text(p, 1, "key");
            return Done(new Dictionary<string, object?> { ["key"] = key, ["value"] = tables.Get(table, key) });
        });

        context.AddRpcMethod("htable.sets", (p, _) =>
        {
            var table = Text(p, 0, "htable");
            var key = Text(p, 1, "key");
            tables.Set(table, key, Text(p, 2, "value"));
            return Done(true);
        });

        context.AddRpcMethod("htable.delete", (p, _) => Done(tables.Delete(Text(p, 0, "htable"), Text(p, 1, "key"))));
    }

    private static ValueTask<object?> Done(object? result) => ValueTask.FromResult(result);

    private static string Text(JsonElement? parameters, int position, string name) => RpcArguments.Text(parameters, position, name);
}
