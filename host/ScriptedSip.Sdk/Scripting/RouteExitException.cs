namespace ScriptedSip.Sdk.Scripting;

/// <summary>
/// Thrown by <see cref="RouteGlobals.Exit"/> and <see cref="RouteGlobals.Drop"/> to unwind every
/// nested route at once. The host catches it; a script should not.
/// </summary>
public sealed class RouteExitException : Exception
{
    public RouteExitException()
        : base("Route processing was stopped by Exit() or Drop().")
    {
    }

    public RouteExitException(string message)
        : base(message)
    {
    }

    public RouteExitException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
