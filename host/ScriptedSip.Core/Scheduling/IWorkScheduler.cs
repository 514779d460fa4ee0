namespace ScriptedSip.Core.Scheduling;

/// <summary>
/// Queues work to the worker that owns a call. Everything that runs user code for a call — its
/// messages, resumed and failure routes, async timers, await continuations — goes through here, so
/// a call's turns never overlap and one blocked route costs one worker, never a listener or the timer.
/// </summary>
public interface IWorkScheduler
{
    /// <summary>Runs <paramref name="work"/> on the worker that owns <paramref name="callHash"/> (see <see cref="Transport.CallIdHasher"/>).</summary>
    void Post(uint callHash, Action<object?> work, object? state);
}
