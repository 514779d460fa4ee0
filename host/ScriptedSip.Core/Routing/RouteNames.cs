namespace ScriptedSip.Core.Routing;

/// <summary>Names of the routes the core runs by itself.</summary>
public static class RouteNames
{
    public const string Request = "request_route";
    public const string Reply = "reply_route";
    public const string NoSipDefault = "nosip_msg";

    /// <summary>Kamailio writes event routes as <c>module:event</c>; the file is <c>module_event.csx</c>.</summary>
    public static string Normalize(string name) => name.Replace(':', '_');
}
