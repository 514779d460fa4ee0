namespace ScriptedSip.Sdk.Plugins;

/// <summary>The plugin contract's version. A plugin built against another major version is refused.</summary>
public static class SdkVersion
{
    public const int Major = 1;
}
