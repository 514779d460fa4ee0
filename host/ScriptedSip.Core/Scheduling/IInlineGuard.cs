namespace ScriptedSip.Core.Scheduling;

/// <summary>
/// What a thread that runs route turns inline besides its own job (the timer wheel's ticker) gives
/// the code running them: each turn is marked, so a turn that overruns moves the job to a new
/// thread, and <see cref="IsCurrent"/> turns false on the thread that was replaced.
/// </summary>
public interface IInlineGuard
{
    /// <summary>False once the job moved to another thread: run nothing more inline here.</summary>
    bool IsCurrent { get; }

    void BeginTurn();

    void EndTurn();
}
