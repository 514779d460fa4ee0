namespace ScriptedSip.Core.Routing;

/// <summary>Why a route runs on a message; decides the end-of-route rules.</summary>
public enum RouteOrigin
{
    /// <summary>A datagram just arrived (request_route, reply_route, nosip).</summary>
    Received,

    /// <summary>TContinue or an async timer resumed a suspended transaction in a named route.</summary>
    Resumed,

    /// <summary>A failure route armed with TOnFailure: every branch failed or timed out.</summary>
    Failure,
}
