using ScriptedSip.Sdk.Plugins;
using ScriptedSip.Sdk.Scripting;

namespace MyPlugin;

/// <summary>What scripts call: <c>Plugin&lt;MyPlugin.Greeter&gt;()</c>.</summary>
public sealed class Greeter(GreeterOptions options)
{
    public string Hello(string name) => $"{options.Greeting} {name}";

    // Marked for request routes: using it in another kind of route is a load-time error (SSR001).
    [RouteKinds(RouteKind.Request)]
    public bool IsFriend(string uri) => uri.EndsWith("@" + options.FriendsDomain, StringComparison.OrdinalIgnoreCase);
}

/// <summary>The section <c>Plugins:MyPlugin</c> of hostsettings.json.</summary>
public sealed class GreeterOptions
{
    public string Greeting { get; set; } = "hello";

    public string FriendsDomain { get; set; } = "example.com";
}

/// <summary>Loaded by the server from plugins/MyPlugin/MyPlugin.dll.</summary>
public sealed class MyPluginPlugin : IScriptedSipPlugin
{
    public string Name => "MyPlugin";

    public void Configure(IPluginContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = context.GetOptions<GreeterOptions>(o => o.Greeting.Length == 0 ? ["Greeting: must not be empty"] : []);
        context.Export(new Greeter(options));
    }
}
