namespace ScriptedSip.Sdk.Scripting;

/// <summary>What kind of route a script is running as.</summary>
public enum RouteKind
{
    /// <summary>request_route: a SIP request.</summary>
    Request,

    /// <summary>reply_route or an onreply route: a SIP reply.</summary>
    Reply,

    /// <summary>A failure route armed with TOnFailure.</summary>
    Failure,

    /// <summary>An event route such as nosip_msg (non-SIP packet).</summary>
    Event,
}
