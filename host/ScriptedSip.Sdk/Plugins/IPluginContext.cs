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
}
