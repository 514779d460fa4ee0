using Microsoft.Extensions.Logging;
using ScriptedSip.Sdk.Plugins;

namespace ScriptedSip.Plugins.Htable;

/// <summary>Removes expired items periodically and raises each table's expiry route for them; sleeps while the tables are empty.</summary>
internal sealed partial class ExpirySweeper : IPluginService
{
    private readonly Htable _tables;
    private readonly TimeProvider _time;
    private readonly ISipHost _host;
    private readonly ILogger _logger;
    private IdleTimer? _timer;

    public ExpirySweeper(Htable tables, TimeProvider time, ISipHost host, ILogger logger)
    {
        _tables = tables;
        _time = time;
        _host = host;
        _logger = logger;
    }

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Sleeps while every table is empty (an idle server is not woken); a stored item wakes it.
        var timer = new IdleTimer(_time, Interval, Sweep, () => _tables.Tables.Any(t => t.Count > 0));
        foreach (var table in _tables.Tables)
        {
            table.Stored = timer.Wake;
        }

        _timer = timer;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        _timer = null;
        return Task.CompletedTask;
    }

    internal void Sweep()
    {
        foreach (var table in _tables.Tables)
        {
            foreach (var (key, _) in table.RemoveExpired())
            {
                if (table.Options.ExpireRoute.Length > 0 && !_host.RaiseEvent(table.Options.ExpireRoute, $"{table.Name}:{key}"))
                {
                    LogNoRoute(_logger, table.Options.ExpireRoute, table.Name);
                }
            }
        }
    }

    [LoggerMessage(EventId = 7001, Level = LogLevel.Warning, Message = "Expiry route {Route} of htable {Table} is not loaded")]
    private static partial void LogNoRoute(ILogger logger, string route, string table);
}
