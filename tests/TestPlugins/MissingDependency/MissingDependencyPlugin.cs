using ScriptedSip.Sdk.Plugins;

namespace TestPlugins;

/// <summary>Uses a type from another assembly while configuring.</summary>
public sealed class MissingDependencyPlugin : IScriptedSipPlugin
{
    public string Name => "MissingDependency";

    public void Configure(IPluginContext context) => context.Export(new Holder(Dependency.Needed.Value));

    public sealed class Holder(string value)
    {
        public string Value { get; } = value;
    }
}
