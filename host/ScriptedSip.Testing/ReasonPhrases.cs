namespace ScriptedSip.Testing;

/// <summary>The usual reason phrases of RFC 3261 §21, for replies a test plays without naming one.</summary>
internal static class ReasonPhrases
{
    public static string For(int status) => status switch
    {
        100 => "Trying",
        180 => "Ringing",
        181 => "Call Is Being Forwarded",
        182 => "Queued",
        183 => "Session Progress",
        200 => "OK",
        202 => "Accepted",
        301 => "Moved Permanently",
        302 => "Moved Temporarily",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        480 => "Temporarily Unavailable",
        481 => "Call/Transaction Does Not Exist",
        483 => "Too Many Hops",
        486 => "Busy Here",
        487 => "Request Terminated",
        488 => "Not Acceptable Here",
        500 => "Server Internal Error",
        503 => "Service Unavailable",
        603 => "Decline",
        _ => status switch
        {
            < 200 => "Progress",
            < 300 => "OK",
            < 400 => "Redirect",
            < 500 => "Client Error",
            < 600 => "Server Error",
            _ => "Global Failure",
        },
    };
}
