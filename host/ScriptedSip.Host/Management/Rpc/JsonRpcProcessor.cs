using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace ScriptedSip.Host.Management.Rpc;

/// <summary>
/// JSON-RPC 2.0 over one request body: a single call or a batch. Every problem is answered as an
/// error object with the standard codes (-32700 parse error, -32600 invalid request, -32601 unknown
/// method, -32602 bad params) and logged once at Warning; a method that throws something else is
/// -32603 with its message. Notifications (no <c>id</c>) run and get no answer.
/// </summary>
public sealed partial class JsonRpcProcessor
{
    // Relaxed escaping: an operator reads these answers (compile errors with quotes and '+' in versions).
    private static readonly JsonSerializerOptions ResultOptions = new() { WriteIndented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly RpcMethodTable _methods;
    private readonly ILogger _logger;

    public JsonRpcProcessor(RpcMethodTable methods, ILogger logger)
    {
        _methods = methods;
        _logger = logger;
    }

    /// <summary>The response body, or null when nothing is to be answered (only notifications).</summary>
    public async Task<byte[]?> ProcessAsync(ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException ex)
        {
            LogRejected(_logger, "-", RpcException.ParseError, "parse error: " + ex.Message);
            return Write(w => WriteError(w, null, RpcException.ParseError, "parse error: " + ex.Message, null));
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Array)
            {
                var single = await CallAsync(root, cancellationToken).ConfigureAwait(false);
                return single is null ? null : Write(w => single(w));
            }

            if (root.GetArrayLength() == 0)
            {
                LogRejected(_logger, "-", RpcException.InvalidRequest, "empty batch");
                return Write(w => WriteError(w, null, RpcException.InvalidRequest, "invalid request: an empty batch", null));
            }

            var answers = new List<Action<Utf8JsonWriter>>();
            foreach (var call in root.EnumerateArray())
            {
                if (await CallAsync(call, cancellationToken).ConfigureAwait(false) is { } answer)
                {
                    answers.Add(answer);
                }
            }

            return answers.Count == 0 ? null : Write(w =>
            {
                w.WriteStartArray();
                foreach (var answer in answers)
                {
                    answer(w);
                }

                w.WriteEndArray();
            });
        }
    }

    /// <summary>Runs one call; returns how to write its answer, or null for a notification.</summary>
    private async Task<Action<Utf8JsonWriter>?> CallAsync(JsonElement call, CancellationToken cancellationToken)
    {
        if (call.ValueKind != JsonValueKind.Object)
        {
            return Invalid(null, "a request must be a JSON object");
        }

        JsonElement? id = null;
        var isNotification = !call.TryGetProperty("id", out var idElement);
        if (!isNotification)
        {
            if (idElement.ValueKind is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.Null))
            {
                return Invalid(null, "id must be a string, a number or null");
            }

            id = idElement.Clone();
        }

        if (!call.TryGetProperty("jsonrpc", out var version) || version.ValueKind != JsonValueKind.String || version.GetString() != "2.0")
        {
            return Invalid(id, "jsonrpc must be \"2.0\"");
        }

        if (!call.TryGetProperty("method", out var methodElement) || methodElement.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(methodElement.GetString()))
        {
            return Invalid(id, "method is missing or not a string");
        }

        var method = methodElement.GetString()!;
        JsonElement? parameters = null;
        if (call.TryGetProperty("params", out var paramsElement))
        {
            if (paramsElement.ValueKind is not (JsonValueKind.Array or JsonValueKind.Object))
            {
                return Answer(id, isNotification, RpcException.InvalidRequest, "invalid request: params must be an array or an object", method);
            }

            parameters = paramsElement.Clone();
        }

        try
        {
            var result = await _methods.InvokeAsync(method, parameters, cancellationToken).ConfigureAwait(false);
            if (isNotification)
            {
                return null;
            }

            var json = JsonSerializer.SerializeToElement(result, ResultOptions);
            return w =>
            {
                w.WriteStartObject();
                w.WriteString("jsonrpc", "2.0");
                w.WritePropertyName("result");
                json.WriteTo(w);
                WriteId(w, id);
                w.WriteEndObject();
            };
        }
        catch (RpcException ex)
        {
            LogRejected(_logger, method, ex.Code, ex.Message);
            return isNotification ? null : w => WriteError(w, id, ex.Code, ex.Message, ex.ErrorData);
        }
        catch (ArgumentException ex)
        {
            // How a plugin's method rejects its params (the SDK says so).
            LogRejected(_logger, method, RpcException.InvalidParams, ex.Message);
            return isNotification ? null : w => WriteError(w, id, RpcException.InvalidParams, ex.Message, null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A method's own failure (a plugin's bug): an error object with its message, the server goes on.
            LogFailed(_logger, method, ex);
            return isNotification ? null : w => WriteError(w, id, RpcException.InternalError, $"{method} failed: {ex.Message}", null);
        }
    }

    private Action<Utf8JsonWriter> Invalid(JsonElement? id, string reason) =>
        Answer(id, isNotification: false, RpcException.InvalidRequest, "invalid request: " + reason, "-")!;

    private Action<Utf8JsonWriter>? Answer(JsonElement? id, bool isNotification, int code, string message, string method)
    {
        LogRejected(_logger, method, code, message);
        return isNotification ? null : w => WriteError(w, id, code, message, null);
    }

    private static void WriteError(Utf8JsonWriter w, JsonElement? id, int code, string message, object? data)
    {
        w.WriteStartObject();
        w.WriteString("jsonrpc", "2.0");
        w.WriteStartObject("error");
        w.WriteNumber("code", code);
        w.WriteString("message", message);
        if (data is not null)
        {
            w.WritePropertyName("data");
            JsonSerializer.Serialize(w, data, data.GetType(), ResultOptions);
        }

        w.WriteEndObject();
        WriteId(w, id);
        w.WriteEndObject();
    }

    private static void WriteId(Utf8JsonWriter w, JsonElement? id)
    {
        w.WritePropertyName("id");
        if (id is { } value)
        {
            value.WriteTo(w);
        }
        else
        {
            w.WriteNullValue();
        }
    }

    private static byte[] Write(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = ResultOptions.Encoder }))
        {
            write(writer);
        }

        return stream.ToArray();
    }

    [LoggerMessage(EventId = 7001, Level = LogLevel.Warning, Message = "RPC {Method} rejected ({Code}): {Reason}")]
    private static partial void LogRejected(ILogger logger, string method, int code, string reason);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Error, Message = "RPC {Method} failed")]
    private static partial void LogFailed(ILogger logger, string method, Exception exception);
}
