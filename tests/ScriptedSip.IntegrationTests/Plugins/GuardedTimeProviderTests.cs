using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ScriptedSip.Host.Plugins;

namespace ScriptedSip.IntegrationTests.Plugins;

/// <summary>A plugin's timer callback that throws is logged with the plugin's name and does not reach the thread pool (which would end the process).</summary>
public sealed class GuardedTimeProviderTests
{
    [Test]
    public void ThrowingTimerCallback_LoggedWithThePluginName_TimerKeepsItsPeriod()
    {
        var fake = new FakeTimeProvider();
        var logger = new RecordingLogger();
        var clock = new GuardedTimeProvider(fake, "Registrar", logger);
        var runs = 0;
        using var timer = clock.CreateTimer(_ =>
        {
            runs++;
            throw new InvalidOperationException("snapshot failed");
        }, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

        Assert.DoesNotThrow(() => fake.Advance(TimeSpan.FromSeconds(1)));
        Assert.DoesNotThrow(() => fake.Advance(TimeSpan.FromSeconds(1)));

        Assert.That(runs, Is.EqualTo(2), "the timer went on after the first failure");
        Assert.That(logger.Lines, Has.Count.EqualTo(2));
        Assert.That(logger.Lines[0], Does.Contain("plugin Registrar: a timer callback threw").And.Contains("snapshot failed"));
        Assert.That(clock.GetUtcNow(), Is.EqualTo(fake.GetUtcNow()), "the time itself is the host's");
    }

    private sealed class RecordingLogger : ILogger
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add($"{logLevel}: {formatter(state, exception)} {exception?.Message}");
    }
}
