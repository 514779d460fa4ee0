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

    /// <summary>The deployment's folder (where hostsettings.json is): relative paths in the plugin's own settings resolve against it, as the host's do.</summary>
    string ContentRoot { get; }

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

    /// <summary>
    /// Calls <paramref name="onChange"/> with the section <c>Plugins:&lt;Name&gt;</c> bound again each
    /// time it changes in hostsettings.json while the plugin is loaded (the file is watched; edits
    /// of other sections, or saves that leave this section as it was, do not call it). Options that
    /// do not bind or that <paramref name="validate"/> refuses are logged as a warning naming each
    /// key, and <paramref name="onChange"/> is not called: what the plugin serves with stays as it
    /// was. Runs on a thread of the file watcher; an exception from <paramref name="onChange"/> is
    /// logged. Keys set on the command line or in environment variables keep their precedence.
    /// </summary>
    void OnOptionsChanged<TOptions>(Func<TOptions, IEnumerable<string>>? validate, Action<TOptions> onChange)
        where TOptions : class, new();

    /// <summary>
    /// Adds a filter that sees every SIP request before the transaction layer and the routes (see
    /// <see cref="IRequestFilter"/>). It is active while the scripts compiled against this plugin
    /// version are the running ones; filters of several plugins run in the order the plugins load
    /// (folder name order), and the first that does not pass decides.
    /// </summary>
    void AddRequestFilter(IRequestFilter filter);
}
