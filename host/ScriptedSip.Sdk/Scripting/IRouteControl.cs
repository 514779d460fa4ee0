using System.ComponentModel;

namespace ScriptedSip.Sdk.Scripting;

/// <summary>
/// Compiler plumbing, not script API: the statements the script compiler writes for a top-level
/// <c>Exit();</c>, <c>Drop();</c> or <c>AsyncRoute(...)</c> call, so that they end the script with a
/// return instead of an exception. Scripts never call these themselves.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IRouteControl
{
    /// <summary>Marks the run as exited (the compiled statement then returns).</summary>
    void MarkExit();

    /// <summary>Marks the message dropped and the run exited.</summary>
    void MarkDrop();

    /// <summary>AsyncRoute for a top-level call: true on success, and the compiled statement then returns.</summary>
    bool AsyncRouteAndEnd(string route, int seconds);

    /// <summary>As <see cref="AsyncRouteAndEnd(string, int)"/>, seconds as text.</summary>
    bool AsyncRouteAndEnd(string route, string seconds);
}
