using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Core.Routing;

/// <summary>The bound entry point of one compiled route script: run it on a message's globals.</summary>
public delegate Task<object?> RouteEntry(RouteGlobals globals);
