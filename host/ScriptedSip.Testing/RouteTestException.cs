namespace ScriptedSip.Testing;

/// <summary>A test step did not find what it expected; the message describes what the step did.</summary>
public class RouteTestException : InvalidOperationException
{
    /// <summary>A failed expectation without a description.</summary>
    public RouteTestException()
    {
    }

    /// <summary>A failed expectation, described.</summary>
    public RouteTestException(string message)
        : base(message)
    {
    }

    /// <summary>A failed expectation, described, with its cause.</summary>
    public RouteTestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The test host could not start: the configuration is wrong, or the scripts do not compile. The
/// lines are exactly the ones the server prints and exits with (<c>file(line,col): error CSxxxx: …</c>).
/// </summary>
public sealed class RouteTestStartException : RouteTestException
{
    /// <summary>A failed start without a description.</summary>
    public RouteTestStartException()
    {
    }

    /// <summary>A failed start, described.</summary>
    public RouteTestStartException(string message)
        : base(message)
    {
    }

    /// <summary>A failed start, described, with its cause.</summary>
    public RouteTestStartException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>A failed start with the server's error lines.</summary>
    public RouteTestStartException(IReadOnlyList<string> errors)
        : base(string.Join(Environment.NewLine, errors)) => Errors = errors;

    /// <summary>One line per problem, as the server reports it.</summary>
    public IReadOnlyList<string> Errors { get; } = [];
}
