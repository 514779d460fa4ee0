using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Sdk.Plugins;

/// <summary>
/// Restricts where a plugin method may be called from. Using it in a route of another kind is a
/// load-time error naming the script line (checked when the script compiles).
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property, AllowMultiple = false, Inherited = true)]
public sealed class RouteKindsAttribute : Attribute
{
    public RouteKindsAttribute(params RouteKind[] kinds) => Kinds = kinds;

    public IReadOnlyList<RouteKind> Kinds { get; }
}
