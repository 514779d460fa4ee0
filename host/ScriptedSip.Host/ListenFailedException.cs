namespace ScriptedSip.Host;

/// <summary>A listen address could not be bound (in use, not local ...): the host stops with exit code 2.</summary>
public sealed class ListenFailedException : Exception
{
    public ListenFailedException()
    {
    }

    public ListenFailedException(string message)
        : base(message)
    {
    }

    public ListenFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
