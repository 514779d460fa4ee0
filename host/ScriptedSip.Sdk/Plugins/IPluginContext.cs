using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace ScriptedSip.Sdk.Plugins;

/// <summary>What the host offers a plugin while it configures itself.</summary>
public interface IPluginContext
{
    /// <summary>A logger named after the plugin, writing through the host's logging.</summary>
    ILogger Logger { get; }

    /// <summary>The host's clock (tests use a fake one).</summary>
    TimeProvider Time { get; }

    /// <summary>
    /// The deployment's content root (where hostsettings.json, scripts/ and plugins/ live): a plugin
    /// resolves the relative paths of its configuration (data folders) against it.
    /// </summary>
    string ContentRoot => Directory.GetCurrentDirectory();

    /// <summary>The script-facing API of the host: resume transactions, run routes.</summary>
    ISipHost Host { get; }

    /// <summary>
    /// Binds <c>Plugins:&lt;Name&gt;</c> to a new <typeparamref name="TOptions"/> and validates it.
    /// <paramref name="validate"/> returns the problems (empty when fine); any problem fails the
    /// plugin's load with a message naming each key.
    /// </summary>
    TOptions GetOptions<TOptions>(Func<TOptions, IEnumerable<string>>? validate = null)
        where TOptions : class, new();

    /// <summary>Makes an object available to scripts as <c>Plugin&lt;T&gt;()</c>, typed.</summary>
    void Export<T>(T instance)
        where T : class;

    /// <summary>Runs a background service while the plugin is loaded.</summary>
    void AddService(IPluginService service);

    /// <summary>
    /// Adds a method to the host's JSON-RPC control interface (<c>POST /rpc</c>, <c>scriptedsip-ctl rpc</c>)
    /// while the plugin is loaded; it goes away when the plugin unloads. <paramref name="name"/> is
    /// <c>group.method</c> (letters, digits, <c>_</c>), by convention the plugin's Kamailio module name
    /// (<c>htable.dump</c>). The handler gets the call's <c>params</c> (an array, an object, or null
    /// when absent) and runs on a thread-pool thread, never on a SIP worker; what it returns is
    /// serialized to JSON as the result. To reject bad params, throw <see cref="ArgumentException"/>:
    /// the caller gets a -32602 error with its message; any other exception is a -32603 error.
    /// </summary>
    void AddRpcMethod(string name, Func<JsonElement?, CancellationToken, ValueTask<object?>> handler);
}
