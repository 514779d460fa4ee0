using ScriptedSip.Core.Plugins;

namespace ScriptedSip.Core.Routing;

/// <summary>
/// One loaded version of all route scripts. A message takes the current set once and runs
/// entirely on it, so a reload never mixes versions within one message.
/// </summary>
public interface IRouteSet
{
    /// <summary>Increases by one with every successful (re)load.</summary>
    int Version { get; }

    /// <summary>request_route; always present (the host does not start without it).</summary>
    RouteEntry RequestRoute { get; }

    /// <summary>reply_route, or null when there is no such script.</summary>
    RouteEntry? ReplyRoute { get; }

    /// <summary>The route of that name (file name without .csx), or null.</summary>
    RouteEntry? Find(string name);

    /// <summary>The script file a route came from, for log lines.</summary>
    string? SourcePath(string name);

    /// <summary>What plugins exported to this version: exactly the plugin set its scripts were compiled against.</summary>
    PluginExports Exports { get; }
}
