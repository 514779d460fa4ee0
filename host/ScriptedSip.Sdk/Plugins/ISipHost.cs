namespace ScriptedSip.Sdk.Plugins;

/// <summary>The part of the host a plugin may call (never host internals).</summary>
public interface ISipHost
{
    /// <summary>Resumes a suspended transaction in a named route, as TContinue does in a script.</summary>
    bool TContinue(uint tindex, uint tlabel, string route);

    /// <summary>Runs a named route (e.g. an event route the plugin raises) with no SIP message; false when no such route is loaded.</summary>
    bool RaiseEvent(string route, string text);
}
