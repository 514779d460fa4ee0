using Microsoft.Extensions.Logging;

namespace ScriptedSip.Testing;

/// <summary>Keeps every log line of the server (in place of NLog), sorted into Xlog lines, script errors and the rest.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private const int ScriptLineEvent = 3001;
    private const int ScriptErrorEvent = 3002;
    private readonly Action<LogLine> _record;

    public CapturingLoggerProvider(Action<LogLine> record) => _record = record;

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, _record);

    public void Dispose()
    {
    }

    private sealed class CapturingLogger(string category, Action<LogLine> record) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            var fields = state as IReadOnlyList<KeyValuePair<string, object?>>;
            string? Field(string name) => fields?.FirstOrDefault(f => f.Key == name).Value?.ToString();
            var kind = eventId.Id switch
            {
                ScriptLineEvent => LogLineKind.Xlog,
                ScriptErrorEvent => LogLineKind.ScriptError,
                _ => LogLineKind.Server,
            };
            var text = kind == LogLineKind.Xlog ? Field("Text") ?? string.Empty : formatter(state, exception);
            record(new LogLine(kind, logLevel, category, Field("Tag"), text, kind == LogLineKind.ScriptError ? Field("Route") : null, kind == LogLineKind.ScriptError ? Field("Location") : null, exception));
        }
    }
}
