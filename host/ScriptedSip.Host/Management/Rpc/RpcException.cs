namespace ScriptedSip.Host.Management.Rpc;

/// <summary>A JSON-RPC error: thrown by a method, answered as an error object (never an HTTP 500).</summary>
public sealed class RpcException : Exception
{
    public const int ParseError = -32700;
    public const int InvalidRequest = -32600;
    public const int MethodNotFound = -32601;
    public const int InvalidParams = -32602;
    public const int InternalError = -32603;

    /// <summary>The method ran and failed (e.g. scripts that do not compile); <see cref="Data"/> says more.</summary>
    public const int ServerError = -32000;

    public RpcException()
        : this(InternalError, "internal error")
    {
    }

    public RpcException(string message)
        : this(ServerError, message)
    {
    }

    public RpcException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = InternalError;
    }

    public RpcException(int code, string message, object? data = null)
        : base(message)
    {
        Code = code;
        ErrorData = data;
    }

    public int Code { get; }

    /// <summary>The error object's <c>data</c> member (compile errors, …); null = none.</summary>
    public object? ErrorData { get; }

    public static RpcException BadParams(string message) => new(InvalidParams, message);
}
