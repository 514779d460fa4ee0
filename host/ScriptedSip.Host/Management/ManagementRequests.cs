using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ScriptedSip.Host.Configuration;
using ScriptedSip.Host.Management.Rpc;

namespace ScriptedSip.Host.Management;

/// <summary>
/// Answers the management endpoint's few paths. Every failure is a precise status with a one-line
/// text (or a JSON-RPC error object on /rpc), never an exception page.
/// </summary>
internal sealed partial class ManagementRequests
{
    private readonly BearerToken _token;
    private readonly PrometheusExporter _metrics;
    private readonly JsonRpcProcessor _rpc;
    private readonly Func<string?> _notReadyReason;
    private readonly ILogger _logger;
    private readonly LogLimiter _unauthorized;

    public ManagementRequests(BearerToken token, PrometheusExporter metrics, JsonRpcProcessor rpc, Func<string?> notReadyReason, ILogger logger, TimeProvider time)
    {
        _token = token;
        _metrics = metrics;
        _rpc = rpc;
        _notReadyReason = notReadyReason;
        _logger = logger;
        _unauthorized = new LogLimiter(time);
    }

    private int _lastMetricsSize = 16 * 1024;

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        try
        {
            if (!_token.Accepts(request.Headers.Authorization))
            {
                if (_unauthorized.ShouldLog(out var suppressed))
                {
                    LogUnauthorized(_logger, context.Connection.RemoteIpAddress?.ToString() ?? "?", request.Path.Value ?? "/", suppressed);
                }

                response.Headers.WWWAuthenticate = "Bearer";
                await Text(response, StatusCodes.Status401Unauthorized, "missing or wrong bearer token (Authorization: Bearer <Management:Token>)").ConfigureAwait(false);
                return;
            }

            switch (request.Path.Value)
            {
                case "/metrics" when HttpMethods.IsGet(request.Method):
                    await MetricsAsync(response, context.RequestAborted).ConfigureAwait(false);
                    return;
                case "/health/live" when HttpMethods.IsGet(request.Method):
                    await Text(response, StatusCodes.Status200OK, "live").ConfigureAwait(false);
                    return;
                case "/health/ready" when HttpMethods.IsGet(request.Method):
                    var reason = _notReadyReason();
                    await Text(response, reason is null ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable, reason ?? "ready").ConfigureAwait(false);
                    return;
                case "/rpc" when HttpMethods.IsPost(request.Method):
                    await RpcAsync(context).ConfigureAwait(false);
                    return;
                case "/metrics" or "/health/live" or "/health/ready" or "/rpc":
                    response.Headers.Allow = request.Path.Value == "/rpc" ? "POST" : "GET";
                    await Text(response, StatusCodes.Status405MethodNotAllowed, $"{request.Method} is not allowed on {request.Path.Value} (use {response.Headers.Allow})").ConfigureAwait(false);
                    return;
                default:
                    await Text(response, StatusCodes.Status404NotFound, "not found: the endpoint serves GET /metrics, GET /health/live, GET /health/ready, POST /rpc").ConfigureAwait(false);
                    return;
            }
        }
        catch (BadHttpRequestException ex)
        {
            // Kestrel's limits: a body over Management's 64 KB is 413, a broken request 400.
            LogBadRequest(_logger, request.Path.Value ?? "/", ex.StatusCode, ex.Message);
            if (!response.HasStarted)
            {
                await Text(response, ex.StatusCode, ex.StatusCode == StatusCodes.Status413PayloadTooLarge
                    ? $"request body too large (limit {ManagementOptions.MaxBodyBytes} bytes)"
                    : "bad request: " + ex.Message).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // the client went away
        }
    }

    /// <summary>
    /// Renders the whole text into memory first, then sends it with one write of known length.
    /// Written straight to the response, prometheus-net's serializer makes hundreds of small writes,
    /// and Kestrel flushes each one: a send and a wake-up of its output loop per write.
    /// </summary>
    private async Task MetricsAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream(Volatile.Read(ref _lastMetricsSize) + 1024);
        await _metrics.WriteAsync(body, cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _lastMetricsSize, (int)body.Length);
        response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body.GetBuffer().AsMemory(0, (int)body.Length), cancellationToken).ConfigureAwait(false);
    }

    private async Task RpcAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted).ConfigureAwait(false);
        // On the thread pool: the request arrived on the socket event thread (inline scheduling, see
        // ManagementServer), which also frames SIP over TCP, and a method may take seconds.
        var request = body.GetBuffer().AsMemory(0, (int)body.Length);
        var answer = await Task.Run(() => _rpc.ProcessAsync(request, context.RequestAborted), context.RequestAborted).ConfigureAwait(false);
        if (answer is null)
        {
            context.Response.StatusCode = StatusCodes.Status204NoContent; // only notifications
            return;
        }

        context.Response.ContentType = "application/json";
        context.Response.ContentLength = answer.Length;
        await context.Response.Body.WriteAsync(answer, context.RequestAborted).ConfigureAwait(false);
    }

    private static Task Text(HttpResponse response, int status, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text + "\n");
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        response.ContentLength = bytes.Length;
        return response.Body.WriteAsync(bytes).AsTask();
    }

    [LoggerMessage(EventId = 7003, Level = LogLevel.Warning, Message = "Management: request from {Remote} to {Path} refused: missing or wrong bearer token{Suppressed}")]
    private static partial void LogUnauthorized(ILogger logger, string remote, string path, string suppressed);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Warning, Message = "Management: bad request to {Path} ({Status}): {Reason}")]
    private static partial void LogBadRequest(ILogger logger, string path, int status, string reason);
}
