namespace ScriptedSip.Fuzz;

/// <summary>
/// Where the server itself catches an exception, a target does too, so the fuzzer reports only what
/// the server would not survive. Code run in a worker's turn (message processing, the non-SIP filter,
/// message edits) or in a route (plugins) is inside a per-message catch: SipWorker logs "unexpected
/// error processing a message", RouteRunner counts a script error, and the server goes on. The
/// message parser is not: the overload path parses on the receive thread and the stream read loop
/// parses the header section of a bad frame, neither inside such a catch.
/// </summary>
public static class ServerBoundary
{
    /// <summary>Runs <paramref name="code"/> as a worker turn or a route would; false when it threw.</summary>
    public static bool CaughtPerMessage(Action code)
    {
        ArgumentNullException.ThrowIfNull(code);
        try
        {
            code();
            return true;
        }
#pragma warning disable CA1031 // the per-message catch of SipWorker.Handle and RouteRunner, mirrored
        catch (Exception)
#pragma warning restore CA1031
        {
            return false;
        }
    }
}
