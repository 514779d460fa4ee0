using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using ScriptedSip.Sdk.Plugins;

namespace ScriptedSip.Host.Plugins;

/// <summary>The host side of <see cref="IPluginContext"/> for one plugin.</summary>
internal sealed partial class PluginContext : IPluginContext, IDisposable
{
    private readonly List<IDisposable> _watches = [];
    private readonly IConfiguration _section;
    private readonly string _sectionPath;

    public PluginContext(string name, IConfiguration configuration, ILogger logger, TimeProvider time, ISipHost host, string contentRoot)
    {
        ContentRoot = contentRoot;
        _sectionPath = "Plugins:" + name;
        _section = configuration.GetSection(_sectionPath);
        Logger = logger;
        Time = new GuardedTimeProvider(time, name, logger);
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
    public List<IRequestFilter> RequestFilters { get; } = [];

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
    public void AddRequestFilter(IRequestFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        RequestFilters.Add(filter);
    }

    public void OnOptionsChanged<TOptions>(Func<TOptions, IEnumerable<string>>? validate, Action<TOptions> onChange)
        where TOptions : class, new()
    {
        ArgumentNullException.ThrowIfNull(onChange);
        var last = Snapshot();
        var gate = new Lock();
        var watch = ChangeToken.OnChange(_section.GetReloadToken, () =>
        {
            lock (gate)
            {
                // The file watcher fires for every save of hostsettings.json, often twice: only a real
                // change of this plugin's section is passed on.
                var now = Snapshot();
                if (now == last)
                {
                    return;
                }

                last = now;
                TOptions options;
                try
                {
                    options = GetOptions(validate);
                }
                catch (PluginLoadException ex)
                {
                    LogChangeRefused(Logger, ex.Message);
                    return;
                }

                try
                {
                    onChange(options);
                }
#pragma warning disable CA1031 // a plugin failing to apply its options must not stop the configuration watcher
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    LogChangeFailed(Logger, _sectionPath, ex);
                }
            }
        });
        _watches.Add(watch);
    }

    /// <summary>Stops watching the configuration (the plugin is unloading).</summary>
    public void Dispose()
    {
        foreach (var watch in _watches)
        {
            watch.Dispose();
        }

        _watches.Clear();
    }

    private string Snapshot() =>
        string.Join('\n', _section.AsEnumerable().OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + kv.Value));

    [LoggerMessage(EventId = 6010, Level = LogLevel.Warning, Message = "Configuration change refused: {Problems}; the previous configuration keeps serving")]
    private static partial void LogChangeRefused(ILogger logger, string problems);

    [LoggerMessage(EventId = 6011, Level = LogLevel.Error, Message = "Configuration change of {Section} could not be applied")]
    private static partial void LogChangeFailed(ILogger logger, string section, Exception exception);
}
