using Microsoft.Extensions.Logging;
using ScriptedSip.Sdk.Plugins;

namespace ScriptedSip.Plugins.Tests;

/// <summary>
/// A plugin context for unit tests: the options object as given (validated as the host does), a
/// fake clock, a host that records the events raised, and what the plugin exported, started and
/// filtered. Log lines are kept.
/// </summary>
internal sealed class TestPluginContext(object options, TimeProvider time) : IPluginContext
{
    public List<string> LogLines { get; } = [];

    public ILogger Logger => new ListLogger(LogLines);

    public TimeProvider Time => time;

    public string ContentRoot => Path.GetTempPath();

    public RecordingHost RecordingHost { get; } = new();

    public ISipHost Host => RecordingHost;

    public Dictionary<Type, object> Exports { get; } = [];

    public List<IPluginService> Services { get; } = [];

    public List<IRequestFilter> Filters { get; } = [];

    public T Export<T>() where T : class => (T)Exports[typeof(T)];

    public TOptions GetOptions<TOptions>(Func<TOptions, IEnumerable<string>>? validate = null)
        where TOptions : class, new()
    {
        var typed = (TOptions)options;
        var problems = validate?.Invoke(typed).ToList() ?? [];
        return problems.Count == 0 ? typed : throw new InvalidOperationException(string.Join("; ", problems));
    }

    public void Export<T>(T instance)
        where T : class => Exports[typeof(T)] = instance;

    public void AddService(IPluginService service) => Services.Add(service);

    public void OnOptionsChanged<TOptions>(Func<TOptions, IEnumerable<string>>? validate, Action<TOptions> onChange)
        where TOptions : class, new()
    {
    }

    public void AddRequestFilter(IRequestFilter filter) => Filters.Add(filter);

    public Dictionary<string, Func<System.Text.Json.JsonElement?, CancellationToken, ValueTask<object?>>> RpcMethods { get; } = [];

    public void AddRpcMethod(string name, Func<System.Text.Json.JsonElement?, CancellationToken, ValueTask<object?>> handler) => RpcMethods.Add(name, handler);

    private sealed class ListLogger(List<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (lines)
            {
                lines.Add($"{logLevel}: {formatter(state, exception)}");
            }
        }
    }
}

/// <summary>A host that records the events raised and sends nothing.</summary>
internal sealed class RecordingHost : ISipHost
{
    public List<(string Route, string Text)> Events { get; } = [];

    public bool TContinue(uint tindex, uint tlabel, string route) => false;

    public bool RaiseEvent(string route, string text)
    {
        lock (Events)
        {
            Events.Add((route, text));
        }

        return true;
    }

    public Task<int> SendRequestAsync(string method, string uri, string from, string? extraHeaders, TimeSpan timeout, CancellationToken cancellationToken) =>
        throw new NotSupportedException("no network in unit tests");

    /// <summary>Datagrams "sent" (destination URI and text), in order.</summary>
    public List<(string Uri, string Text)> Datagrams { get; } = [];

    public bool SendDatagram(string uri, ReadOnlySpan<byte> payload)
    {
        lock (Datagrams)
        {
            Datagrams.Add((uri, System.Text.Encoding.UTF8.GetString(payload)));
        }

        return true;
    }
}
