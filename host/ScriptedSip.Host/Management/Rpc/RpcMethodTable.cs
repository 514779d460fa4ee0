using System.Text.Json;

namespace ScriptedSip.Host.Management.Rpc;

/// <summary>One RPC method of the host: runs off the SIP workers, on the HTTP request's thread-pool thread.</summary>
public delegate ValueTask<object?> RpcMethod(RpcParams parameters, CancellationToken cancellationToken);

/// <summary>
/// The methods the host answers, by name (Kamailio's where one exists), and the plugins' methods,
/// looked up at call time so a method goes away with the plugin that registered it.
/// </summary>
public sealed class RpcMethodTable
{
    private readonly Dictionary<string, (RpcMethod Method, string Help)> _methods = new(StringComparer.Ordinal);
    private readonly Func<string, Func<JsonElement?, CancellationToken, ValueTask<object?>>?> _pluginMethod;
    private readonly Func<IEnumerable<string>> _pluginMethodNames;

    public RpcMethodTable(
        Func<string, Func<JsonElement?, CancellationToken, ValueTask<object?>>?> pluginMethod,
        Func<IEnumerable<string>> pluginMethodNames)
    {
        _pluginMethod = pluginMethod;
        _pluginMethodNames = pluginMethodNames;
        Add("system.listMethods", "every method name", (_, _) => ValueTask.FromResult<object?>(Names()));
    }

    public void Add(string name, string help, RpcMethod method) => _methods.Add(name, (method, help));

    /// <summary>Built-in methods with their one-line help, then the plugins' methods.</summary>
    public IReadOnlyList<string> Names() => [.. _methods.Keys.Order(StringComparer.Ordinal), .. _pluginMethodNames().Order(StringComparer.Ordinal)];

    public IEnumerable<(string Name, string Help)> BuiltIn => _methods.Select(kv => (kv.Key, kv.Value.Help));

    /// <exception cref="RpcException">-32601 for an unknown name; whatever the method throws.</exception>
    public ValueTask<object?> InvokeAsync(string name, JsonElement? parameters, CancellationToken cancellationToken)
    {
        if (_methods.TryGetValue(name, out var entry))
        {
            return entry.Method(new RpcParams(parameters), cancellationToken);
        }

        if (_pluginMethod(name) is { } pluginMethod)
        {
            return pluginMethod(parameters, cancellationToken);
        }

        throw new RpcException(RpcException.MethodNotFound, $"method not found: {name} (system.listMethods lists them)");
    }
}
