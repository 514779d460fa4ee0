using ScriptedSip.Sdk.Scripting;

namespace TestPlugins;

/// <summary>References the SDK but has no plugin class.</summary>
public static class Helper
{
    public static RouteKind Kind => RouteKind.Request;
}
