namespace ScriptedSip.Host.Plugins;

/// <summary>Why a plugin was not loaded; the message is the reason shown next to the plugin's name.</summary>
public sealed class PluginLoadException : Exception
{
    public PluginLoadException()
    {
    }

    public PluginLoadException(string message)
        : base(message)
    {
    }

    public PluginLoadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
