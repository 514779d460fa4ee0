namespace ScriptedSip.Sdk.Scripting;

/// <summary>
/// Thrown by <see cref="RouteGlobals.Exit"/> and <see cref="RouteGlobals.Drop"/> to unwind every
/// nested route at once. The host catches it; a script should not.
/// </summary>
public sealed class RouteExitException : Exception
{
    /// <summary>Creates the exception with the standard message.</summary>
    public RouteExitException()
        : base("Route processing was stopped by Exit() or Drop().")
    {
    }

    /// <summary>Creates the exception with a message of its own.</summary>
    public RouteExitException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public RouteExitException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
