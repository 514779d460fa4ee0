using ScriptedSip.Sdk.Plugins;
using ScriptedSip.Sdk.Scripting;

namespace TestPlugins;

/// <summary>Exported to scripts. Version 1 says "hello", version 2 says "hi".</summary>
public sealed class Greeter
{
    private readonly string _punctuation;

    public Greeter(string punctuation) => _punctuation = punctuation;

#if V2
    public string Hello(string name) => "hi " + name + _punctuation;
#else
    public string Hello(string name) => "hello " + name + _punctuation;
#endif

    /// <summary>Only meaningful for requests.</summary>
    [RouteKinds(RouteKind.Request)]
    public int RequestOnly() => 1;
}

public sealed class GreeterOptions
{
    public string Punctuation { get; set; } = string.Empty;
}

public sealed class GreeterPlugin : IScriptedSipPlugin
{
    public string Name => "Greeter";

    public void Configure(IPluginContext context)
    {
        var options = context.GetOptions<GreeterOptions>(o => o.Punctuation.Length > 1 ? ["Punctuation: at most one character"] : []);
        context.Export(new Greeter(options.Punctuation));

        // Where the host runs a plugin's RPC method: a thread-pool thread, never the socket event thread.
        context.AddRpcMethod("greeter.thread", (_, _) => ValueTask.FromResult<object?>(new
        {
            pool = Thread.CurrentThread.IsThreadPoolThread,
            name = Thread.CurrentThread.Name,
        }));
    }
}
