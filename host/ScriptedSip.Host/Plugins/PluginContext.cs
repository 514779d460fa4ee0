using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using ScriptedSip.Sdk.Plugins;

namespace ScriptedSip.Host.Plugins;

/// <summary>The host side of <see cref="IPluginContext"/> for one plugin.</summary>
internal sealed partial class PluginContext : IPluginContext
{
    private readonly IConfiguration _section;
    private readonly string _sectionPath;

    public PluginContext(string name, IConfiguration configuration, ILogger logger, TimeProvider time, ISipHost host, string contentRoot)
    {
        ContentRoot = contentRoot;
        _sectionPath = "Plugins:" + name;
        _section = configuration.GetSection(_sectionPath);
        Logger = logger;
        Time = time;
        Host = host;
    }

    public ILogger Logger { get; }

    public string ContentRoot { get; }

    public TimeProvider Time { get; }

    public ISipHost Host { get; }

    public Dictionary<Type, object> Exports { get; } = [];

    public List<IPluginService> Services { get; } = [];

    /// <summary>The RPC methods this plugin added, by name.</summary>
    public Dictionary<string, Func<JsonElement?, CancellationToken, ValueTask<object?>>> RpcMethods { get; } = new(StringComparer.Ordinal);

    public TOptions GetOptions<TOptions>(Func<TOptions, IEnumerable<string>>? validate = null)
        where TOptions : class, new()
    {
        var options = new TOptions();
        try
        {
            _section.Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            throw new PluginLoadException($"{_sectionPath}: {ex.Message}", ex);
        }

        var problems = validate?.Invoke(options).ToList() ?? [];
        if (problems.Count > 0)
        {
            throw new PluginLoadException(string.Join("; ", problems.Select(p => $"{_sectionPath}:{p}")));
        }

        return options;
    }

    public void Export<T>(T instance)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(instance);
        if (!Exports.TryAdd(typeof(T), instance))
        {
            throw new PluginLoadException($"{typeof(T).FullName} is exported twice");
        }
    }

    public void AddService(IPluginService service)
    {
        ArgumentNullException.ThrowIfNull(service);
        Services.Add(service);
    }

    public void AddRpcMethod(string name, Func<JsonElement?, CancellationToken, ValueTask<object?>> handler)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(handler);
        if (!RpcName().IsMatch(name))
        {
            throw new PluginLoadException($"RPC method name '{name}' is not of the form group.method (letters, digits, _)");
        }

        if (!RpcMethods.TryAdd(name, handler))
        {
            throw new PluginLoadException($"RPC method {name} is added twice");
        }
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]*(\\.[A-Za-z][A-Za-z0-9_]*)+$")]
    private static partial Regex RpcName();
}
