using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Sdk.Plugins;

/// <summary>
/// Restricts where a plugin method may be called from. Using it in a route of another kind is a
/// load-time error naming the script line (checked when the script compiles).
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property, AllowMultiple = false, Inherited = true)]
public sealed class RouteKindsAttribute : Attribute
{
    /// <summary>Allows the member in routes of the given kinds only.</summary>
    public RouteKindsAttribute(params RouteKind[] kinds) => Kinds = kinds;

    /// <summary>The kinds of route the member may be used in.</summary>
    public IReadOnlyList<RouteKind> Kinds { get; }
}
